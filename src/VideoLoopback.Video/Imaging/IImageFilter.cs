using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// One PIL <c>ImageFilter</c> as a tensor operation: <c>img.filter(f)</c> on uint8 frames [C,H,W] or [N,C,H,W]
/// (every channel, alpha included, as Pillow does), bit-exact with Pillow 9.4. The result has the input's shape.
/// </summary>
public interface IImageFilter
{
    /// <summary>The PIL spelling, e.g. <c>BLUR</c> or <c>GaussianBlur(2)</c>.</summary>
    string Name { get; }

    Tensor Apply(Tensor frames);
}
