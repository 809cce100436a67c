namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>The per-residual scales sd-webui-controlnet applies to a unit's residuals (hook.py).</summary>
public static class ControlScales
{
    /// <summary>The soft-injection base: deeper residuals (nearer the middle block) keep more of the weight.</summary>
    public const double SoftInjectionBase = 0.825;

    /// <summary>Scales for <paramref name="count"/> residuals (13 for SD1.x), index 0 = after input block 0, last = middle block.</summary>
    public static double[] For(ControlMode mode, double weight, int count = 13) =>
        mode == ControlMode.Balanced
            ? Enumerable.Repeat(weight, count).ToArray()
            : Enumerable.Range(0, count).Select(i => weight * Math.Pow(SoftInjectionBase, count - 1 - i)).ToArray();

    /// <summary>Whether the mode drops control from the unconditional (negative prompt) rows of a CFG batch.</summary>
    public static bool UsesCondMark(ControlMode mode) => mode == ControlMode.ControlNetMoreImportant;
}
