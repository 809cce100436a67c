namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>The per-residual scales sd-webui-controlnet applies to a unit's residuals (hook.py).</summary>
public static class ControlScales
{
    /// <summary>The soft-injection base: deeper residuals (nearer the middle block) keep more of the weight.</summary>
    public const double SoftInjectionBase = 0.825;

    /// <summary>The residual count the soft-injection exponents are laid out for (SD1.x's 13).</summary>
    private const int SoftInjectionLength = 13;

    /// <summary>
    /// Scales for <paramref name="count"/> residuals (13 for SD1.x, 10 for SDXL), index 0 = after input block 0, last = middle
    /// block. Soft injection is always 0.825^(12-i), cut to the first <paramref name="count"/>: for SDXL hook.py keeps the first
    /// 10 of the SD1.x list, so its middle block gets 0.825^3, not 1.
    /// </summary>
    public static double[] For(ControlMode mode, double weight, int count = 13) =>
        mode == ControlMode.Balanced
            ? Enumerable.Repeat(weight, count).ToArray()
            : Enumerable.Range(0, count).Select(i => weight * Math.Pow(SoftInjectionBase, SoftInjectionLength - 1 - i)).ToArray();

    /// <summary>Whether the mode drops control from the unconditional (negative prompt) rows of a CFG batch.</summary>
    public static bool UsesCondMark(ControlMode mode) => mode == ControlMode.ControlNetMoreImportant;
}
