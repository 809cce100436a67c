using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>A render whose frames spill past frame_memory_budget_mb writes the same frames as one that keeps them all on the device.</summary>
[Trait("Area", "loopback")]
public sealed class SpilledRenderTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-spilled-render-");

    private string Inputs()
    {
        var folder = Path.Combine(_temp.FullName, "in");
        Directory.CreateDirectory(folder);
        using var generator = new Generator(7);
        for (int i = 0; i < 20; i++)
        {
            using var image = randint(0, 256, [3, 96, 128], dtype: ScalarType.Byte, generator: generator);
            ImageFile.Write(Path.Combine(folder, $"{i:D3}.png"), image);
        }
        return folder;
    }

    private (string RunDirectory, List<string> Warnings) Render(JobSpec job, string name)
    {
        var warnings = new List<string>();
        using var generator = new FakeGenerator();
        var result = new LoopbackEngine(job with { OutputDir = Path.Combine(_temp.FullName, name) }, generator, ScheduleCompilers.Default, CPU)
            .Run(new RenderOptions { Timestamp = "run", EncodeVideos = false, Warn = warnings.Add });
        return (result.RunDirectory, warnings);
    }

    [Theory]
    [InlineData(TemporalSuperimposeMethod.Simple)]
    [InlineData(TemporalSuperimposeMethod.WithDifferenceMask)]
    public void EveryFrameEqualsTheUnspilledRendersFrame(TemporalSuperimposeMethod method)
    {
        var input = Inputs();
        // 128x96 RGB frames of 36 KiB; 1 MiB over 4 stores (inputs, reference, two loops) holds 7 of the 20 frames each.
        var job = new JobSpec
        {
            InputDir = input, OutputDir = "", Width = 128, Height = 96, LoopN = 3, Seed = 1, Subseed = 2, GeneratorBatch = 2,
            TemporalSuperimposeAlphaList = "0.25,0.5,0.25", TemporalSuperimposeMethod = method, ReferenceFramesDir = input,
        };
        var (resident, residentWarnings) = Render(job, "resident");
        var (spilled, spilledWarnings) = Render(job with { FrameMemoryBudgetMb = 1 }, "spilled");

        Assert.Contains(residentWarnings, w => w.StartsWith("Memory estimate:", StringComparison.Ordinal) && w.Contains("all frames stay on the device"));
        Assert.Contains(spilledWarnings, w => w.StartsWith("Memory estimate:", StringComparison.Ordinal) && w.Contains("spill to disk, at most 7 per store"));
        var expected = Directory.GetFiles(Path.Combine(resident, "output_frames"), "*.png", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(resident, p)).Order().ToList();
        var actual = Directory.GetFiles(Path.Combine(spilled, "output_frames"), "*.png", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(spilled, p)).Order().ToList();
        Assert.Equal(60, expected.Count);
        Assert.Equal(expected, actual);
        foreach (var frame in expected)
            Assert.Equal(File.ReadAllBytes(Path.Combine(resident, frame)), File.ReadAllBytes(Path.Combine(spilled, frame)));
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
