using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>A mask folder together with several reference folders and a temporal blend, with the fake generator.</summary>
[Trait("Area", "loopback")]
public sealed class MaskWithReferencesTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-mask-refs-");

    private JobSpec Job(TemporalSuperimposeMethod method, string references, int resizeMode) => new()
    {
        InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"), OutputDir = _temp.FullName,
        UseMask = true, MaskDir = GoldenData.Path("loopback", "inputs", "masks_dir"),
        ReferenceFramesDir = references, TemporalSuperimposeMethod = method, TemporalSuperimposeAlphaList = "0.1,0.8,0.1",
        Width = 32, Height = 24, LoopN = 2, ResizeMode = resizeMode, Seed = 1, Subseed = 2, GeneratorBatch = 4,
    };

    /// <summary>
    /// Every resize mode: crop and resize and resize and fill paste the mask onto WebUI's RGB canvas, which once reached the
    /// temporal blend's composite as a 3-channel mask.
    /// </summary>
    public static TheoryData<TemporalSuperimposeMethod, bool, int> Cases()
    {
        var cases = new TheoryData<TemporalSuperimposeMethod, bool, int>();
        foreach (var method in new[] { TemporalSuperimposeMethod.Simple, TemporalSuperimposeMethod.WithDifferenceMask })
            foreach (bool differentSizes in new[] { false, true })
                for (int resizeMode = 0; resizeMode <= 3; resizeMode++)
                    cases.Add(method, differentSizes, resizeMode);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void MaskFolderWithSeveralReferenceFoldersRenders(TemporalSuperimposeMethod method, bool differentSizes, int resizeMode)
    {
        var refA = GoldenData.Path("loopback", "inputs", "ref_a");
        var second = differentSizes ? GoldenData.Path("loopback", "inputs", "ref_b") : refA;
        var job = Job(method, $"{refA}!!!{second}", resizeMode);
        JobValidator.Validate(job, ScheduleCompilers.Default);
        using var generator = new FakeGenerator();
        var result = new LoopbackEngine(job, generator, ScheduleCompilers.Default, CPU)
            .Run(new RenderOptions { Timestamp = $"{method}-{differentSizes}-{resizeMode}", EncodeVideos = false });
        Assert.Equal(12, result.FramesRendered);
        // Outside the mask the frame is kept: the mask stayed a mask.
        using var mask = VideoLoopback.Video.Imaging.ImageFile.Read(Path.Combine(job.MaskDir, "frame_00.png")).Image;
        using var input = VideoLoopback.Video.Imaging.ImageFile.Read(Path.Combine(job.InputDir, "frame_00.png")).Image;
        using var output = VideoLoopback.Video.Imaging.ImageFile.Read(Path.Combine(result.RunDirectory, "output_frames", "loop_1", "0000000.png")).Image;
        using var kept = mask.eq(0).expand_as(input);
        Assert.True(output.masked_select(kept).eq(input.masked_select(kept)).all().item<bool>(), "pixels outside the mask changed");
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
