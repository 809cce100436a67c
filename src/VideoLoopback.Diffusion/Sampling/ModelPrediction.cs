namespace VideoLoopback.Diffusion.Sampling;

/// <summary>What a UNet's output is (LDM's parameterization).</summary>
public enum ModelPrediction
{
    /// <summary>The noise in x (SD1.x, SD2.x 512-base, inpainting models).</summary>
    Epsilon,
    /// <summary>v = α·noise − σ·x0 (SD2.x 768-v).</summary>
    V,
}

public static class ModelPredictionNames
{
    /// <summary>"eps" or "v" (the names the command line and job files use).</summary>
    public static string Name(this ModelPrediction prediction) => prediction == ModelPrediction.V ? "v" : "eps";

    /// <summary>As <see cref="Parse"/>, with "auto" (or nothing) for null: the model's own (SD2.x: decided by a test run).</summary>
    public static ModelPrediction? ParseOrAuto(string? name) =>
        string.IsNullOrWhiteSpace(name) || name.Trim().Equals("auto", StringComparison.OrdinalIgnoreCase) ? null : Parse(name);

    public static ModelPrediction Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "eps" or "epsilon" => ModelPrediction.Epsilon,
        "v" or "v-prediction" => ModelPrediction.V,
        _ => throw new ArgumentException($"unknown prediction '{name}' (expected eps, v or auto)", nameof(name)),
    };
}
