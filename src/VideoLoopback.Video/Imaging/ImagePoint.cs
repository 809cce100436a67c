using TorchSharp;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Imaging;

/// <summary><c>im.point(lut)</c>: a 256-entry lookup table applied to every channel.</summary>
public static class ImagePoint
{
    /// <summary>
    /// The table PIL builds from a function: <c>f(0..255)</c>, rounded half to even (Python's <c>round</c>)
    /// and clipped to 0..255. A non-finite value is an error naming <paramref name="what"/>.
    /// </summary>
    public static byte[] Lut(Func<int, double> function, string what = "point")
    {
        var lut = new byte[256];
        for (var i = 0; i < 256; i++)
        {
            var v = function(i);
            if (!double.IsFinite(v)) throw new ArgumentException($"{what}: the function gives {v} for {i}; expected a number");
            lut[i] = (byte)Math.Clamp(Math.Round(v, MidpointRounding.ToEven), 0, 255);
        }
        return lut;
    }

    public static Tensor Point(Tensor frames, Func<int, double> function) => Point(frames, Lut(function));

    public static Tensor Point(Tensor frames, byte[] lut)
    {
        if (lut.Length != 256) throw new ArgumentException($"point: expected a 256-entry table, got {lut.Length}", nameof(lut));
        using var scope = torch.NewDisposeScope();
        FrameTensor.AsBatch(frames, nameof(frames));
        var table = torch.tensor(lut, ScalarType.Byte, frames.device);
        var mapped = table.index_select(0, frames.flatten().to(ScalarType.Int64));
        return mapped.reshape(frames.shape).MoveToOuterDisposeScope();
    }
}
