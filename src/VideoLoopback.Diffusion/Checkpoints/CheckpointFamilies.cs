namespace VideoLoopback.Diffusion.Checkpoints;

public static class CheckpointFamilies
{
    /// <summary>A short human name for a family, as used in messages.</summary>
    public static string Describe(CheckpointFamily family) => family switch
    {
        CheckpointFamily.StableDiffusion1 => "SD1.x checkpoint (LDM single file)",
        CheckpointFamily.StableDiffusion1Inpainting => "SD1.x inpainting checkpoint (LDM single file)",
        CheckpointFamily.StableDiffusion2 => "SD2.x checkpoint",
        CheckpointFamily.StableDiffusionXL => "SDXL checkpoint",
        CheckpointFamily.Vae => "standalone VAE",
        CheckpointFamily.UNet => "UNet-only file (LDM layout)",
        CheckpointFamily.ControlNet => "ControlNet",
        CheckpointFamily.Lora => "kohya LoRA",
        CheckpointFamily.LoCon => "kohya LoCon (LoRA with conv layers)",
        CheckpointFamily.FastDvdNet => "FastDVDNet denoiser",
        _ => "unrecognised file",
    };

    /// <summary>What the inspector recognises, for the message about an unknown file.</summary>
    public const string Expected =
        "expected an SD1.x checkpoint (model.diffusion_model.*, first_stage_model.*, cond_stage_model.*), " +
        "a UNet-only file (model.diffusion_model.*), a standalone VAE (encoder.*, decoder.*, quant_conv.*, post_quant_conv.*), " +
        "a kohya LoRA/LoCon (lora_unet_*, lora_te_*), a ControlNet (control_model.* or input_hint_block.*, zero_convs.*) " +
        "or FastDVDNet weights (module.temp1.*, module.temp2.*)";
}
