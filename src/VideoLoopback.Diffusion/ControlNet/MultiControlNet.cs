using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// Runs every active ControlNet unit on the UNet's input and sums their scaled residuals index-wise (multi-ControlNet), ready
/// for <see cref="Unet.UnetModel.Forward"/>'s <c>control</c> argument.
/// </summary>
public static class MultiControlNet
{
    /// <summary>
    /// x [B,4,h,w], timesteps [B], context [B,T,C] (the same batch the UNet gets). <paramref name="condMark"/> [B] or [B,1,1,1] is 1
    /// for the rows of the positive prompt and 0 for the negative-prompt rows of a CFG batch; only "ControlNet is more important"
    /// uses it (null = every row positive). <paramref name="samplerStep"/>/<paramref name="samplingSteps"/> apply each unit's guidance
    /// window (null = always on). <paramref name="y"/>: the SDXL vector [B,adm] the UNet gets (null for SD1.x/SD2.x). Returns
    /// null when no unit is active.
    /// </summary>
    public static Tensor[]? Residuals(IReadOnlyList<ControlNetUnit> units, Tensor x, Tensor timesteps, Tensor context,
        Tensor? condMark = null, int? samplerStep = null, int samplingSteps = 1, Tensor? y = null)
    {
        Tensor[]? total = null;
        foreach (var unit in units)
        {
            if (samplerStep is int step && !GuidanceWindow.IsActive(step, samplingSteps, unit.GuidanceStart, unit.GuidanceEnd)) continue;
            using var scope = NewDisposeScope();
            var hint = unit.Hint.shape[0] == 1 && x.shape[0] > 1 ? unit.Hint.expand(x.shape[0], -1, -1, -1).contiguous() : unit.Hint;
            var control = unit.Model.Forward(x, timesteps, context, hint, y);
            var scales = ControlScales.For(unit.Mode, unit.Weight, control.Length);
            Tensor? mark = null;
            if (ControlScales.UsesCondMark(unit.Mode) && condMark is not null)
                mark = condMark.reshape(-1, 1, 1, 1).to(control[0].dtype, control[0].device);
            for (int i = 0; i < control.Length; i++)
            {
                var c = mark is null ? control[i] : control[i] * mark;
                c = c * scales[i];
                c = total is null ? c : total[i] + c;
                c.MoveToOuterDisposeScope();
                if (total is not null) total[i].Dispose();
                control[i] = c;
            }
            total = control;
        }
        return total;
    }
}
