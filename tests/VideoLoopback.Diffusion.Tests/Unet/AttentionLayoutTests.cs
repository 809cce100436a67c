using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Unet;
using VideoLoopback.Diffusion.Vae;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Unet;

/// <summary>
/// The attention layers hand plain [B,C,H,W] tensors to their 1x1 output convolutions. oneDNN's 1x1 convolutions are wrong
/// for some shapes when the input has channels-last strides, as a transposed token view has: at SD1.5's 1280 channels
/// and 4x4 (the middle block at 256²) about half the output was off, and the whole UNet's eps was 1.4e-2 from a float64
/// run instead of 1e-6. Checked at that very shape against float64 (which oneDNN does not handle).
/// </summary>
[Trait("Area", "sd15")]
public class AttentionLayoutTests
{
    private static double RelativeError(Tensor actual, Tensor reference) =>
        (actual.to(float64) - reference).abs().max().item<double>() / reference.abs().max().item<double>();

    [Fact]
    public void SpatialTransformerAtFullWidthMatchesFloat64()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(3);
        using var layer32 = new SpatialTransformer(1280, 8, 1, 768, linearProjection: false, ModuleDevice.Cpu);
        using var layer64 = new SpatialTransformer(1280, 8, 1, 768, linearProjection: false, new ModuleDevice(CPU, ScalarType.Float64));
        foreach (var (name, p) in layer64.named_parameters()) p.copy_(layer32.get_parameter(name)!);
        var x = randn(2, 1280, 4, 4);
        var emb = zeros(2, 1280);
        var context = randn(2, 77, 768);
        var y = layer32.Forward(x, emb, context);
        var reference = layer64.Forward(x.to(float64), emb.to(float64), context.to(float64)); // float64: native kernels
        Assert.True(y.is_contiguous(), "the transformer's output is not in plain layout");
        double error = RelativeError(y, reference);
        Assert.True(error < 1e-5, $"SpatialTransformer 1280x4x4: relative error {error:E2} against float64 (limit 1e-5)");
    }

    [Fact]
    public void VaeAttentionHandsAPlainTensorOn()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        manual_seed(4);
        using var block = new VaeAttentionBlock(512, ModuleDevice.Cpu);
        var y = block.call(randn(1, 512, 8, 8));
        Assert.True(y.is_contiguous(), "the VAE attention's output is not in plain layout");
    }
}
