using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// Channels-last ([B,C,H,W] shape, NHWC strides) activations for CPU convolutions. The bundled libtorch's oneDNN (3.7)
/// computes a plain-layout (NCHW) convolution whose kernel is larger than 1×1 and whose input channels are more than 8
/// but not a multiple of the vector block (16 with AVX-512, 8 with AVX2) wrong by about 10% of the output's range: it
/// pads the channels of copies in a blocked layout, and those sums include the padding. On channels-last input the same
/// 3×3 convolutions read the activations as they are and match float64 to float32 rounding. Channels-last is no
/// general cure: the same oneDNN computes some channels-last 1×1 convolutions wrong by about 40% (1280 or 2560 channels
/// at 4×4, 256→512 at 64×64, found against float64 shape by shape), so networks whose channel counts are multiples of 16
/// (UNet, VAE, ControlNet) stay in the plain layout, where every one of their shapes is exact.
/// </summary>
public static class MemoryLayout
{
    /// <summary>[B,C,H,W] with NHWC strides (a copy; the values are unchanged).</summary>
    public static Tensor ChannelsLast(Tensor x)
    {
        using var nhwc = x.permute(0, 2, 3, 1);
        using var dense = nhwc.contiguous();
        return dense.permute(0, 3, 1, 2);
    }
}
