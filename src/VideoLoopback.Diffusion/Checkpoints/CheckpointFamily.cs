namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// What a model file holds, as told by its key names and shapes: a name and the short description messages use.
/// The families this assembly reads are the static members; another assembly names its own with a
/// <see cref="CheckpointDetector"/> that recognises it.
/// </summary>
public sealed record CheckpointFamily(string Name, string Description)
{
    /// <summary>No known layout matched.</summary>
    public static CheckpointFamily Unknown { get; } = new(nameof(Unknown), "unrecognised file");
    /// <summary>SD1.x single file in LDM layout: UNet, VAE and CLIP ViT-L text encoder.</summary>
    public static CheckpointFamily StableDiffusion1 { get; } = new(nameof(StableDiffusion1), "SD1.x checkpoint (LDM single file)");
    /// <summary>SD1.x inpainting checkpoint: as <see cref="StableDiffusion1"/> with a 9-channel UNet input.</summary>
    public static CheckpointFamily StableDiffusion1Inpainting { get; } =
        new(nameof(StableDiffusion1Inpainting), "SD1.x inpainting checkpoint (LDM single file)");
    /// <summary>SD2.x single file (OpenCLIP ViT-H text encoder, linear transformer projections).</summary>
    public static CheckpointFamily StableDiffusion2 { get; } = new(nameof(StableDiffusion2), "SD2.x checkpoint");
    /// <summary>SDXL base (conditioner.embedders.*: CLIP ViT-L and OpenCLIP ViT-bigG; label embedding in the UNet).</summary>
    public static CheckpointFamily StableDiffusionXL { get; } = new(nameof(StableDiffusionXL), "SDXL checkpoint");
    /// <summary>SDXL refiner (OpenCLIP ViT-bigG alone as conditioner.embedders.0; aesthetic-score conditioning).</summary>
    public static CheckpointFamily StableDiffusionXLRefiner { get; } = new(nameof(StableDiffusionXLRefiner), "SDXL refiner checkpoint");
    /// <summary>A standalone VAE (encoder.*, decoder.*, quant_conv.*, post_quant_conv.*).</summary>
    public static CheckpointFamily Vae { get; } = new(nameof(Vae), "standalone VAE");
    /// <summary>A file holding only an LDM UNet (model.diffusion_model.*).</summary>
    public static CheckpointFamily UNet { get; } = new(nameof(UNet), "UNet-only file (LDM layout)");
    /// <summary>A ControlNet; <see cref="CheckpointInfo.ControlNetLayout"/> says which of its layouts.</summary>
    public static CheckpointFamily ControlNet { get; } = new(nameof(ControlNet), "ControlNet");
    /// <summary>A kohya-style LoRA (lora_unet_*, lora_te_*) on attention and projection layers only.</summary>
    public static CheckpointFamily Lora { get; } = new(nameof(Lora), "kohya LoRA");
    /// <summary>A kohya-style LoRA that also adapts ResBlock, down- and upsampling convolutions (LoCon).</summary>
    public static CheckpointFamily LoCon { get; } = new(nameof(LoCon), "kohya LoCon (LoRA with conv layers)");

    public override string ToString() => Name;
}
