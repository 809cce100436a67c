namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>sd-webui-controlnet's control modes.</summary>
public enum ControlMode
{
    /// <summary>Every residual scaled by the weight.</summary>
    Balanced,
    /// <summary>"My prompt is more important": soft injection, residual i scaled by weight * 0.825^(12-i).</summary>
    PromptMoreImportant,
    /// <summary>"ControlNet is more important": the soft scales, and no control at all for the negative-prompt rows of the CFG batch.</summary>
    ControlNetMoreImportant,
}
