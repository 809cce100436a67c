namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>What a family's UNet predicts.</summary>
public enum NoisePrediction
{
    /// <summary>The noise (eps): SD1.x, SDXL.</summary>
    Epsilon,
    /// <summary>Either the noise or v (SD2.x 512-base vs 768-v): the weights cannot tell, the model's config can.</summary>
    EpsilonOrV,
}
