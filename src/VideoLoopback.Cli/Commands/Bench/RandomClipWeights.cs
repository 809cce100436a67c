using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>Random weights for a CLIP text encoder, for benchmarks that need its size and cost, not its output.</summary>
public static class RandomClipWeights
{
    /// <summary>Layer norms at identity, everything else small: activations stay in a realistic range. Seeded, so repeatable.</summary>
    public static Dictionary<string, Tensor> Create(ClipTextConfig config, Device device, ScalarType dtype)
    {
        using var generator = new Generator(1234, device);
        var weights = new Dictionary<string, Tensor>();
        foreach (var (key, shape) in config.ParameterShapes())
            weights[key] = key.Contains("layer_norm") && key.EndsWith(".weight")
                ? ones(shape, dtype: dtype, device: device)
                : randn(shape, dtype: dtype, device: device, generator: generator) * 0.02;
        return weights;
    }
}
