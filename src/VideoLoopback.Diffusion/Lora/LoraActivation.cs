namespace VideoLoopback.Diffusion.Lora;

/// <summary>One LoRA of the active set with its multipliers (from "&lt;lora:name:te:unet:dyn&gt;" or the job).</summary>
public sealed record LoraActivation(LoraNetwork Network, double TextEncoderMultiplier, double UnetMultiplier, int? DynamicDimension = null);
