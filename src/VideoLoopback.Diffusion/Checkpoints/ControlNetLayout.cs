namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>How a ControlNet's tensors are named in its file.</summary>
public enum ControlNetLayout
{
    /// <summary>Not a ControlNet.</summary>
    None,
    /// <summary>ControlNet 1.1 release: only the control model, keys prefixed <c>control_model.</c>.</summary>
    ControlModelPrefix,
    /// <summary>ControlNet 1.0 release: <c>control_model.*</c> plus a whole SD1.5 checkpoint in the same file.</summary>
    WithStableDiffusionCheckpoint,
    /// <summary>Control model keys without a prefix (e.g. files extracted by sd-webui-controlnet).</summary>
    PrefixLess,
    /// <summary>diffusers ControlNetModel names (controlnet_cond_embedding.*, down_blocks.*).</summary>
    Diffusers,
}
