namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>What a model file holds, as told by its key names and shapes.</summary>
public enum CheckpointFamily
{
    /// <summary>No known layout matched.</summary>
    Unknown,
    /// <summary>SD1.x single file in LDM layout: UNet, VAE and CLIP ViT-L text encoder.</summary>
    StableDiffusion1,
    /// <summary>SD1.x inpainting checkpoint: as <see cref="StableDiffusion1"/> with a 9-channel UNet input.</summary>
    StableDiffusion1Inpainting,
    /// <summary>SD2.x single file (OpenCLIP ViT-H text encoder, linear transformer projections).</summary>
    StableDiffusion2,
    /// <summary>SDXL base or refiner (conditioner.embedders.*, label embedding in the UNet).</summary>
    StableDiffusionXL,
    /// <summary>A standalone VAE (encoder.*, decoder.*, quant_conv.*, post_quant_conv.*).</summary>
    Vae,
    /// <summary>A file holding only an LDM UNet (model.diffusion_model.*).</summary>
    UNet,
    /// <summary>A ControlNet; <see cref="CheckpointInfo.ControlNetLayout"/> says which of its layouts.</summary>
    ControlNet,
    /// <summary>A kohya-style LoRA (lora_unet_*, lora_te_*) on attention and projection layers only.</summary>
    Lora,
    /// <summary>A kohya-style LoRA that also adapts ResBlock, down- and upsampling convolutions (LoCon).</summary>
    LoCon,
    /// <summary>FastDVDNet video denoiser weights.</summary>
    FastDvdNet,
}
