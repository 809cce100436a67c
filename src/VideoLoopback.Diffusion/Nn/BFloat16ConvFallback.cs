using TorchSharp.Modules;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// libtorch 2.10's oneDNN bfloat16 convolution on the CPU returns wrong values (10-60 % relative error, not rounding) when
/// the kernel is wider than 1x1 and the output channel count is not a multiple of 16, e.g. the UNet's 320->4 and the
/// VAE's 128->3 and 512->8 output convolutions. Those layers are computed in float32 instead: they are a sliver of the
/// work, and their result is rounded back to bfloat16 like any other layer's.
/// </summary>
public static class BFloat16ConvFallback
{
    /// <summary><paramref name="conv"/>(<paramref name="x"/>), in float32 where the bfloat16 kernel is wrong.</summary>
    public static Tensor Call(Conv2d conv, Tensor x)
    {
        if (!IsAffected(x.dtype, x.device, conv.weight!.shape)) return conv.call(x);
        using var scope = NewDisposeScope();
        var y = nn.functional.conv2d(x.to(ScalarType.Float32), conv.weight!.to(ScalarType.Float32), conv.bias?.to(ScalarType.Float32),
            conv.stride, conv.padding, conv.dilation, conv.groups);
        return y.to(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Whether a convolution with weights [O,I,kh,kw] hits the wrong bfloat16 CPU kernel.</summary>
    public static bool IsAffected(ScalarType dtype, Device device, long[] weightShape) =>
        dtype == ScalarType.BFloat16 && device.type == TorchSharp.DeviceType.CPU
        && weightShape[2] * weightShape[3] > 1 && weightShape[0] % 16 != 0;
}
