namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// The key set of FastDVDNet (two DenBlocks, <c>temp1</c> and <c>temp2</c>, each a small U-Net of conv +
/// BatchNorm blocks). BatchNorm's <c>num_batches_tracked</c> counters are tolerated, not expected.
/// </summary>
public static class FastDvdNetKeys
{
    /// <summary>The prefix of the weights: <c>module.</c> when saved from nn.DataParallel (as the released model.pth), else empty.</summary>
    public static string? FindPrefix(CheckpointTensorIndex index)
    {
        foreach (var prefix in new[] { "module.", "" })
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
