using static TorchSharp.torch;
using VideoLoopback.Diffusion.Nn;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// Runs a resolution-changing network over overlapping tiles and blends the results with linear ramps,
/// so peak activation memory depends on the tile size rather than the frame size.
/// </summary>
internal static class TiledVae
{
    /// <param name="input">[B,C,H,W]</param>
    /// <param name="unit">input pixels per latent pixel (tile sizes are given in latent pixels).</param>
    /// <param name="scaleOut">output pixels per input pixel.</param>
    /// <param name="outChannels">channels of the network's output.</param>
    public static Tensor Run(Tensor input, VaeTiling tiling, int unit, double scaleOut, long outChannels, Func<Tensor, Tensor> network)
    {
        tiling.Validate();
        long b = input.shape[0], height = input.shape[2], width = input.shape[3];
        long tile = (long)tiling.TileLatent * unit, overlap = (long)tiling.OverlapLatent * unit;
        if (height <= tile && width <= tile) return network(input);

        long outH = (long)(height * scaleOut), outW = (long)(width * scaleOut);
        var sum = zeros([b, outChannels, outH, outW], ScalarType.Float32, input.device);
        var weight = zeros([1, 1, outH, outW], ScalarType.Float32, input.device);
        foreach (long y in Starts(height, tile, overlap))
        foreach (long x in Starts(width, tile, overlap))
        {
            using var scope = NewDisposeScope();
            long th = Math.Min(tile, height - y), tw = Math.Min(tile, width - x);
            var piece = network(input[.., .., TensorIndex.Slice(y, y + th), TensorIndex.Slice(x, x + tw)]).to(ScalarType.Float32);
            long oy = (long)(y * scaleOut), ox = (long)(x * scaleOut), oh = piece.shape[2], ow = piece.shape[3];
            long ramp = (long)(overlap * scaleOut);
            var wy = Ramp(oh, ramp, y > 0, y + th < height, input.device).view(1, 1, oh, 1);
            var wx = Ramp(ow, ramp, x > 0, x + tw < width, input.device).view(1, 1, 1, ow);
            var w = wy * wx;
            sum[.., .., TensorIndex.Slice(oy, oy + oh), TensorIndex.Slice(ox, ox + ow)].add_(piece * w, KeptScalars.One);
            weight[.., .., TensorIndex.Slice(oy, oy + oh), TensorIndex.Slice(ox, ox + ow)].add_(w, KeptScalars.One);
        }
        var result = sum.div_(weight).to(input.dtype);
        weight.Dispose();
        return result;
    }

    /// <summary>Tile origins covering [0,size) with tiles of <paramref name="tile"/> overlapping by at least <paramref name="overlap"/>.</summary>
    private static IEnumerable<long> Starts(long size, long tile, long overlap)
    {
        if (size <= tile) { yield return 0; yield break; }
        long stride = tile - overlap;
        long count = (size - overlap + stride - 1) / stride;
        for (long i = 0; i < count; i++) yield return Math.Min(i * stride, size - tile);
    }

    /// <summary>1 in the middle, rising linearly from near 0 across <paramref name="ramp"/> pixels on sides that touch another tile.</summary>
    private static Tensor Ramp(long length, long ramp, bool rampStart, bool rampEnd, Device device)
    {
        var w = ones(length, ScalarType.Float32, device);
        if (ramp <= 0) return w;
        var rise = arange(1, ramp + 1, ScalarType.Float32, device).div_(ramp + 1);
        if (rampStart) w[TensorIndex.Slice(0, ramp)] = rise;
        if (rampEnd) w[TensorIndex.Slice(length - ramp, length)] = rise.flip(0);
        return w;
    }
}
