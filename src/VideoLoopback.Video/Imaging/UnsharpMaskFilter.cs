using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary>
/// <c>ImageFilter.UnsharpMask(radius, percent, threshold)</c>: <c>diff = in - GaussianBlur(radius)(in)</c>;
/// where <c>|diff| &gt; threshold</c> the output is <c>clamp(in + diff*percent/100)</c> (integer division
/// truncating toward zero), elsewhere the input.
/// </summary>
public sealed class UnsharpMaskFilter : IImageFilter
{
    private readonly float _radius;
    private readonly int _percent;
    private readonly int _threshold;

    public UnsharpMaskFilter(double radius = 2, int percent = 150, int threshold = 3)
    {
        if (!(radius >= 0)) throw new ArgumentException($"UnsharpMask: radius must be >= 0, got {radius}", nameof(radius));
        _radius = (float)radius;
        _percent = percent;
        _threshold = threshold;
    }

    public string Name => $"UnsharpMask({_radius}, {_percent}, {_threshold})";

    public Tensor Apply(Tensor frames)
    {
        using var scope = torch.NewDisposeScope();
        FrameTensor.AsBatch(frames, Name);
        var blurred = BoxBlurFilter.Blur(frames, GaussianBlurFilter.BoxRadius(_radius), GaussianBlurFilter.Passes, Name);
        var input = frames.to(ScalarType.Int32);
        var diff = input - blurred.to(ScalarType.Int32);
        var sharpened = (input + (diff * _percent).div(100, RoundingMode.trunc)).clamp(0, 255);
        var result = torch.where(diff.abs() > _threshold, sharpened, input);
        return result.to(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
