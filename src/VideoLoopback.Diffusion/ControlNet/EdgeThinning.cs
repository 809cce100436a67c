namespace VideoLoopback.Diffusion.ControlNet;

/// <summary>
/// sd-webui-controlnet's lvmin_thin: repeated hit-or-miss removal of edge pixels until a pass removes nothing (at most 32
/// passes), then optionally one pruning pass that removes line ends and lone pixels. Each pass applies its 8 kernels (two base
/// patterns, each turned by 0, 90, 180 and 270 degrees, in that order) one after another to the updated image.
/// </summary>
public static class EdgeThinning
{
    private const int MaxPasses = 32;

    /// <summary>Base thinning patterns: 1 = set, -1 = clear, 0 = either.</summary>
    private static readonly int[][,] ThinningBase =
    [
        new[,] { { -1, -1, -1 }, { 0, 1, 0 }, { 1, 1, 1 } },
        new[,] { { 0, -1, -1 }, { 1, 1, -1 }, { 0, 1, 0 } },
    ];

    /// <summary>Base pruning patterns: a set pixel with at most two set neighbours in one corner.</summary>
    private static readonly int[][,] PruningBase =
    [
        new[,] { { -1, -1, -1 }, { -1, 1, -1 }, { 0, 0, -1 } },
        new[,] { { -1, -1, -1 }, { -1, 1, -1 }, { -1, 0, 0 } },
    ];

    private static readonly IReadOnlyList<int[,]> ThinningKernels = AllTurns(ThinningBase);
    private static readonly IReadOnlyList<int[,]> PruningKernels = AllTurns(PruningBase);

    /// <summary>Thins a single-channel 0/255 image [h,w] (a copy is returned).</summary>
    public static byte[] Thin(byte[] image, int h, int w, bool prune)
    {
        var current = (byte[])image.Clone();
        for (int pass = 0; pass < MaxPasses; pass++)
            if (!RemovePatterns(current, h, w, ThinningKernels)) break;
        if (prune) RemovePatterns(current, h, w, PruningKernels);
        return current;
    }

    /// <summary>Clears, kernel by kernel, every pixel where the kernel's hit-or-miss is above 127; true if any kernel matched.</summary>
    private static bool RemovePatterns(byte[] image, int h, int w, IReadOnlyList<int[,]> kernels)
    {
        bool removed = false;
        foreach (var kernel in kernels)
        {
            var matches = Morphology.HitOrMiss(image, h, w, kernel);
            for (int i = 0; i < matches.Length; i++)
                if (matches[i] > 127)
                {
                    image[i] = 0;
                    removed = true;
                }
        }
        return removed;
    }

    /// <summary>numpy's rot90 over axes (0,1) by 0..3 quarter turns (counter-clockwise), turn-major: [b0, b1, b0', b1', ...].</summary>
    private static int[][,] AllTurns(int[][,] bases)
    {
        var kernels = new List<int[,]>();
        for (int turns = 0; turns < 4; turns++)
            foreach (var kernel in bases)
            {
                var turned = kernel;
                for (int t = 0; t < turns; t++) turned = QuarterTurn(turned);
                kernels.Add(turned);
            }
        return [.. kernels];
    }

    /// <summary>One counter-clockwise quarter turn: out[i,j] = in[j, 2-i].</summary>
    private static int[,] QuarterTurn(int[,] kernel)
    {
        var turned = new int[3, 3];
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++)
                turned[i, j] = kernel[j, 2 - i];
        return turned;
    }
}
