using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>Frame stores past their share of the frame memory budget: frames spill to disk and come back bit-exact.</summary>
[Trait("Area", "loopback")]
public sealed class FrameStoreSpillTests : IDisposable
{
    private const int FrameBytes = 3 * 16 * 12;
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-spill-");

    /// <summary>A budget of <paramref name="framesPerStore"/> frames per store (3 stores), keeping at least <paramref name="min"/>.</summary>
    private FrameMemoryPlan Plan(int framesPerStore, int min = 2) => new(3L * framesPerStore * FrameBytes, false, 3, min, CPU, _temp.FullName);

    private static List<Tensor> RandomFrames(int count, int seed)
    {
        using var generator = new Generator((ulong)seed);
        return Enumerable.Range(0, count).Select(_ => randint(0, 256, [3, 12, 16], dtype: ScalarType.Byte, generator: generator)).ToList();
    }

    private static bool Same(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.data<byte>().ToArray().SequenceEqual(b.data<byte>().ToArray());

    private static IEnumerable<SourceFrame> Frames(IEnumerable<Tensor> pixels) =>
        pixels.Select((p, i) => new SourceFrame(p.clone(), $"{i:D5}.png", null));

    [Fact]
    public void WithinItsShareAStoreKeepsTheGivenFramesOnTheDevice()
    {
        var pixels = RandomFrames(4, 1);
        var frames = Frames(pixels).ToList();
        using var store = new FrameStore(frames, Plan(framesPerStore: 4));
        Assert.False(store.Spilled);
        Assert.Equal(4, store.ResidentFrames);
        for (int i = 0; i < 4; i++) Assert.Same(frames[i].Pixels, store[i].Pixels);
        foreach (var p in pixels) p.Dispose();
    }

    [Fact]
    public void PastItsShareAStoreSpillsAndReadsEveryFrameBackBitExact()
    {
        var pixels = RandomFrames(20, 2);
        using var store = new FrameStore(Frames(pixels), Plan(framesPerStore: 3));
        Assert.True(store.Spilled);
        Assert.Equal(20, store.Count);
        Assert.Equal(20L * FrameBytes, store.Bytes);
        // Twice, forwards then backwards: every read misses the device and comes back from the file.
        for (int i = 0; i < 20; i++) Assert.True(Same(pixels[i], store[i].Pixels));
        for (int i = 19; i >= 0; i--) Assert.True(Same(store.Frames[i].Pixels, pixels[i]));
        Assert.Equal($"{7:D5}.png", store[7].Name);
        foreach (var p in pixels) p.Dispose();
    }

    [Fact]
    public void TheFramesOnTheDeviceStayUnderTheBoundAsTheWindowsSlideOverALongLoop()
    {
        var pixels = RandomFrames(200, 3);
        var plan = Plan(framesPerStore: 4, min: 6);
        using var store = new FrameStore(Frames(pixels), plan);
        int bound = plan.ResidentFrames(FrameBytes);
        Assert.Equal(6, bound);
        Assert.True(store.ResidentFrames <= bound);
        // As a render reads them: batches of 2, a window of 3, within a dispose scope per batch.
        var window = new TemporalWindow(200, 3);
        int peak = 0;
        for (int i = 0; i < 200; i += 2)
        {
            using var scope = NewDisposeScope();
            var held = new List<Tensor>();
            for (int j = i; j < i + 2; j++, window.MoveNext())
            {
                foreach (var f in window.Frames) _ = store[f].Pixels.sum();
                held.Add(store[window.CurrentFrame].Pixels);
            }
            // Frames read at the start of the batch are still valid at its end.
            for (int j = 0; j < held.Count; j++) Assert.True(Same(held[j], pixels[i + j]));
            peak = Math.Max(peak, store.ResidentFrames);
        }
        Assert.InRange(peak, 1, bound);
        foreach (var p in pixels) p.Dispose();
    }

    [Fact]
    public void ARepeatedImageSpillsOnceAndCountsOnce()
    {
        using var image = randint(0, 256, [3, 12, 16], dtype: ScalarType.Byte);
        var shared = image.clone();
        using var store = new FrameStore(Enumerable.Range(0, 50).Select(_ => new SourceFrame(shared, "one.png", null)), Plan(framesPerStore: 0, min: 1));
        Assert.Equal(50, store.Count);
        Assert.Equal(FrameBytes, store.Bytes);
        Assert.True(Same(store[49].Pixels, image));
        Assert.Equal(1, store.ResidentFrames);
    }

    [Fact]
    public void TheSpillFileLeavesNothingInItsFolder()
    {
        var pixels = RandomFrames(8, 4);
        using (var store = new FrameStore(Frames(pixels), Plan(framesPerStore: 1)))
        {
            Assert.True(store.Spilled);
            if (!OperatingSystem.IsWindows()) Assert.Empty(_temp.GetFiles());
        }
        Assert.Empty(_temp.GetFiles());
        foreach (var p in pixels) p.Dispose();
    }

    [Fact]
    public void ReleaseHandsOverEveryFrameAsATensorTheCallerOwns()
    {
        var pixels = RandomFrames(10, 5);
        var store = new FrameStore(Frames(pixels), Plan(framesPerStore: 2));
        var released = store.Release();
        store.Dispose();
        Assert.Equal(10, released.Count);
        for (int i = 0; i < 10; i++) Assert.True(Same(released[i].Pixels, pixels[i]));
        foreach (var f in released) f.Pixels.Dispose();
        foreach (var p in pixels) p.Dispose();
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
