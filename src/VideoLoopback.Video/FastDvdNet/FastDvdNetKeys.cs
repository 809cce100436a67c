using VideoLoopback.Diffusion.Checkpoints;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// FastDVDNet's key map and key set (two DenBlocks, <c>temp1</c> and <c>temp2</c>, each a small U-Net of conv +
/// BatchNorm blocks), and the <see cref="Detector"/> that teaches the checkpoint inspector the layout.
/// BatchNorm's <c>num_batches_tracked</c> counters are tolerated, not expected.
/// </summary>
public static class FastDvdNetKeys
{
    /// <summary>The prefix of the released model.pth, saved from nn.DataParallel.</summary>
    public const string DataParallelPrefix = "module.";

    /// <summary>FastDVDNet weights as <c>inspect</c> and model detection see them.</summary>
    public static CheckpointFamily Family { get; } = new("FastDvdNet", "FastDVDNet denoiser");

    /// <summary>Recognises FastDVDNet weights (either prefix) and checks them key by key.</summary>
    public static CheckpointDetector Detector { get; } = new(Family, "FastDVDNet weights (module.temp1.*, module.temp2.*)",
        index => FindPrefix(index) is { } prefix ? [new CheckpointPart("fastdvdnet", prefix, Expected(prefix))] : null);

    /// <summary>The prefix of the weights: <c>module.</c> when saved from nn.DataParallel (as the released model.pth), else empty.</summary>
    public static string? FindPrefix(CheckpointTensorIndex index)
    {
        foreach (var prefix in new[] { DataParallelPrefix, "" })
            if (index.Has(prefix + "temp1.inc.convblock.0.weight") && index.Has(prefix + "temp2.inc.convblock.0.weight"))
                return prefix;
        return null;
    }

    public static HashSet<string> Expected(string prefix)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        void Conv(string p) => keys.Add(p + ".weight");
        void Norm(string p)
        {
            foreach (var part in new[] { "weight", "bias", "running_mean", "running_var" }) keys.Add(p + "." + part);
        }
        // conv, BN, ReLU, conv, BN, ReLU
        void DoubleConv(string p)
        {
            Conv(p + ".convblock.0"); Norm(p + ".convblock.1"); Conv(p + ".convblock.3"); Norm(p + ".convblock.4");
        }

        foreach (var block in new[] { "temp1", "temp2" })
        {
            var b = prefix + block;
            DoubleConv(b + ".inc");
            foreach (var down in new[] { "downc0", "downc1" })
            {
                // strided conv, BN, ReLU, then a double conv block
                Conv($"{b}.{down}.convblock.0"); Norm($"{b}.{down}.convblock.1"); DoubleConv($"{b}.{down}.convblock.3");
            }
            foreach (var up in new[] { "upc2", "upc1" })
            {
                // double conv block, then the conv that feeds PixelShuffle
                DoubleConv($"{b}.{up}.convblock.0"); Conv($"{b}.{up}.convblock.1");
            }
            Conv(b + ".outc.convblock.0"); Norm(b + ".outc.convblock.1"); Conv(b + ".outc.convblock.3");
        }
        return keys;
    }
}
