using VideoLoopback.Diffusion.ControlNet;

namespace VideoLoopback.Diffusion.Tests.ControlNet;

/// <summary>
/// lvmin_thin on tiny hand-made images; each expected image was traced by hand through the upstream kernels (two base patterns
/// turned by numpy's rot90, applied in list order, each to the image the previous one left) with OpenCV's hit-or-miss.
/// Drawn as rows of '#' (255) and '.' (0).
/// </summary>
[Trait("Area", "adapters")]
public class EdgeThinningTests
{
    private static (byte[] Image, int H, int W) Draw(params string[] rows)
    {
        int h = rows.Length, w = rows[0].Length;
        var image = new byte[h * w];
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                image[y * w + x] = rows[y][x] == '#' ? (byte)255 : (byte)0;
        return (image, h, w);
    }

    private static void AssertDrawn(string[] expected, byte[] actual, int w)
    {
        var rows = Enumerable.Range(0, actual.Length / w)
            .Select(y => new string(actual.Skip(y * w).Take(w).Select(v => v == 255 ? '#' : '.').ToArray())).ToArray();
        Assert.Equal(string.Join('\n', expected), string.Join('\n', rows));
    }

    [Fact]
    public void OnePixelLineIsLeftAloneWithoutPruning()
    {
        // Every thinning pattern needs set pixels on two sides at right angles (or a full row/column); a straight line has neither.
        string[] line = [".........", ".........", "..#####..", ".........", "........."];
        var (image, h, w) = Draw(line);
        AssertDrawn(line, EdgeThinning.Thin(image, h, w, prune: false), w);
    }

    [Fact]
    public void PruningShortensALineFromBothEnds()
    {
        // Pruning kernels 3 and 4 (quarter turn) each take the current left end, 7 and 8 (three quarter turns) the right end.
        var (image, h, w) = Draw(".........", ".........", "..#####..", ".........", ".........");
        AssertDrawn([".........", ".........", "....#....", ".........", "........."], EdgeThinning.Thin(image, h, w, prune: true), w);
    }

    [Fact]
    public void LonePixelSurvivesThinningButNotPruning()
    {
        string[] dot = ["...", ".#.", "..."];
        var (image, h, w) = Draw(dot);
        AssertDrawn(dot, EdgeThinning.Thin(image, h, w, prune: false), w);
        AssertDrawn(["...", "...", "..."], EdgeThinning.Thin(image, h, w, prune: true), w);
    }

    [Fact]
    public void ThreePixelBarThinsToItsMiddleRow()
    {
        // First pass: the upright pattern clears the top row where the row below is full (not the end columns), its half turn the
        // bottom row likewise; the second pass removes nothing. The four corner pixels stay.
        var (image, h, w) = Draw(".........", ".#######.", ".#######.", ".#######.", ".........");
        AssertDrawn([".........", ".#.....#.", ".#######.", ".#.....#.", "........."], EdgeThinning.Thin(image, h, w, prune: false), w);
    }

    [Fact]
    public void InputIsNotModified()
    {
        var (image, h, w) = Draw("...", ".#.", "...");
        EdgeThinning.Thin(image, h, w, prune: true);
        Assert.Equal(255, image[4]);
    }
}
