using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// How far the float32 UNet's eps is from the same network's in float64: the exactness check of the CPU kernels the
/// forward runs on (a float32 forward at fp32 rounding stays within about 1e-5 of float64 at 256²).
/// </summary>
public static class UnetFloat64Check
{
    /// <summary>
    /// Prints the max-abs and the largest relative difference. The float32 network's weights are moved into a float64 copy
    /// one by one (its parameters are disposed as they go, so the two never both hold all the weights): it cannot run
    /// afterwards.
    /// </summary>
    public static void Run(UnetModel unet, Tensor x, Tensor t, Tensor context, Tensor? y = null)
    {
        using var eps32 = unet.Forward(x, t, context, y: y);
        var on64 = new ModuleDevice(unet.On.Device, ScalarType.Float64);
        using var unet64 = new UnetModel(unet.Config, on64);
        var source = unet.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        using (no_grad())
            foreach (var (name, parameter) in unet64.named_parameters())
            {
                parameter.copy_(source[name]);
                source[name].Dispose();
            }
        using var eps64 = unet64.Forward(x.to(ScalarType.Float64), t, context.to(ScalarType.Float64), y: y?.to(ScalarType.Float64));
        using var difference = (eps32.to(ScalarType.Float64) - eps64).abs();
        double maxAbs = difference.max().item<double>();
        double scale = eps64.abs().max().item<double>();
        BenchOutput.Line($"float64 check: unet eps max-abs difference float32 vs float64 {maxAbs:E2} (eps max-abs {scale:F3}; goal below 1e-5)");
    }
}
