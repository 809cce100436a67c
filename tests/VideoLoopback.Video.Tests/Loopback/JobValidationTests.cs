using System.Diagnostics;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>Bad jobs fail before the first frame with one message naming the parameter or file; the original's warnings stay warnings.</summary>
public sealed class JobValidationTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-validate-");

    private JobSpec ValidJob() => new()
    {
        InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"),
        OutputDir = Path.Combine(_temp.FullName, "out"),
        Width = 32, Height = 24, LoopN = 2, Seed = 1, Subseed = 2,
    };

    private static string Fails(JobSpec job)
    {
        var e = Assert.Throws<JobException>(() => JobValidator.Validate(job, ScheduleCompilers.Default));
        return e.Message;
    }

    [Fact]
    public void ValidJobPasses() => Assert.Empty(JobValidator.Validate(ValidJob(), ScheduleCompilers.Default));

    [Fact]
    public void MissingInputFolder()
    {
        var missing = Path.Combine(_temp.FullName, "nope");
        var message = Fails(ValidJob() with { InputDir = missing });
        Assert.Contains("input_dir", message);
        Assert.Contains(missing, message);
    }

    [Fact]
    public void UnreadableVideo()
    {
        var bad = Path.Combine(_temp.FullName, "broken.mp4");
        File.WriteAllText(bad, "this is not a video");
        var message = Fails(ValidJob() with { InputDir = bad });
        Assert.Contains("input_dir", message);
        Assert.Contains(bad, message);
    }

    [Fact]
    public void VideoWithoutFrames()
    {
        var audioOnly = Path.Combine(_temp.FullName, "audio.mkv");
        Ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000", "-t", "0.2", audioOnly);
        var message = Fails(ValidJob() with { InputDir = audioOnly });
        Assert.Contains("input_dir", message);
        Assert.Contains("no video stream", message);
    }

    [Fact]
    public void EvenAlphaList()
    {
        var message = Fails(ValidJob() with { TemporalSuperimposeAlphaList = "0.2,0.8" });
        Assert.Contains("temporal_superimpose_alpha_list", message);
        Assert.Contains("odd", message);
    }

    [Fact]
    public void NotANumberInAlphaList() =>
        Assert.Contains("temporal_superimpose_alpha_list", Fails(ValidJob() with { TemporalSuperimposeAlphaList = "0.2,x,0.2" }));

    [Fact]
    public void BadExpressionNamesTheSchedule()
    {
        var message = Fails(ValidJob() with { DenoisingSchedule = "0.4 if loop_i < else 0.3" });
        Assert.Contains("denoising_schedule", message);
    }

    [Fact]
    public void ScheduleOfTheWrongType()
    {
        var message = Fails(ValidJob() with { PromptSchedule = "42" });
        Assert.Contains("prompt_schedule", message);
        Assert.Contains("expected a str", message);
    }

    [Fact]
    public void MaskFolderMissingAFrameWarns()
    {
        var warnings = JobValidator.Validate(ValidJob() with { UseMask = true, MaskDir = GoldenData.Path("loopback", "inputs", "masks_dir") },
            ScheduleCompilers.Default);
        var warning = Assert.Single(warnings);
        Assert.Contains("frame_03.png", warning);
    }

    [Fact]
    public void MissingMaskFolder() =>
        Assert.Contains("mask_dir", Fails(ValidJob() with { UseMask = true, MaskDir = Path.Combine(_temp.FullName, "masks") }));

    [Fact]
    public void OutputNotWritable()
    {
        var file = Path.Combine(_temp.FullName, "a-file");
        File.WriteAllText(file, "");
        var message = Fails(ValidJob() with { OutputDir = Path.Combine(file, "out") });
        Assert.Contains("output_dir", message);
    }

    [Fact]
    public void MissingReferenceFolder()
    {
        var message = Fails(ValidJob() with { ReferenceFramesDir = $"{GoldenData.Path("loopback", "inputs", "ref_a")} !!! {_temp.FullName}/none" });
        Assert.Contains("reference_frames_directory", message);
        Assert.Contains("none", message);
    }

    [Fact]
    public void ReferencePartsAreTrimmed() =>
        JobValidator.Validate(ValidJob() with
        {
            ReferenceFramesDir = $" {GoldenData.Path("loopback", "inputs", "ref_a")} !!!  {GoldenData.Path("loopback", "inputs", "ref_b")} ",
        }, ScheduleCompilers.Default);

    [Fact]
    public void NonPositiveNumbers()
    {
        Assert.Contains("loop_n", Fails(ValidJob() with { LoopN = 0 }));
        Assert.Contains("width", Fails(ValidJob() with { Width = 0 }));
        Assert.Contains("extract_nth_frame", Fails(ValidJob() with { ExtractNthFrame = 0 }));
    }

    private static void Ffmpeg(params string[] args)
    {
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-y" }.Concat(args)) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, err);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
