using static TorchSharp.torch;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>PIL's <c>Image.blend(a, b, alpha)</c> on uint8 frames, bit-exact.</summary>
internal static class FrameBlend
{
    /// <summary>
    /// uint8 [..] a, b -> uint8 trunc(a + alpha * (b - a)), computed in float32 with alpha rounded to float32
    /// first (as PIL does), clamped to [0,255]; a separate multiply and add, so no fused rounding.
    /// </summary>
    public static Tensor Blend(Tensor a, Tensor b, double alpha)
    {
        using var scope = NewDisposeScope();
        var af = a.to(ScalarType.Float32);
        var difference = b.to(ScalarType.Float32) - af;
        var scaled = difference * tensor((float)alpha, ScalarType.Float32, a.device);
        return (af + scaled).clamp_(0, 255).to(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
