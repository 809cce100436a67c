using System.Diagnostics;
using System.Text.Json;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>
/// One folder of tests/golden/loopback/orchestration: the job it ran (script arguments + p fields, paths made
/// absolute against the golden loopback folder, the output sent to a temporary folder) and its recorded results.
/// </summary>
public sealed class OrchestrationCase
{
    public const string Timestamp = "230421_120000";

    public string Name { get; }
    public string Folder { get; }
    public JsonElement CaseJson { get; }

    private OrchestrationCase(string name)
    {
        Name = name;
        Folder = GoldenData.Path("loopback", "orchestration", name);
        CaseJson = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "case.json"))).RootElement;
    }

    public static IEnumerable<object[]> All() =>
        Directory.GetDirectories(GoldenData.Path("loopback", "orchestration"))
            .Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    public static OrchestrationCase Load(string name) => new(name);

    /// <summary>The job the case ran, writing to <paramref name="outputDir"/>; a video input is built there with the README's ffmpeg command.</summary>
    public JobSpec Job(string outputDir)
    {
        var inputsRoot = GoldenData.Path("loopback");
        var job = new JobSpec();
        foreach (var p in CaseJson.GetProperty("script_run_args").EnumerateObject())
            job = JobFile.Apply(job, p.Name, p.Value, Name);
        foreach (var p in CaseJson.GetProperty("p_fields_before_run").EnumerateObject())
            job = JobFile.Apply(job, p.Name, p.Value, Name);
        string Abs(string relative) => relative.Length == 0 ? "" : Path.Combine(inputsRoot, relative);
        var input = Abs(job.InputDir);
        if (job.InputDir.EndsWith(".mkv", StringComparison.Ordinal)) input = BuildVideo(outputDir);
        return job with
        {
            InputDir = input,
            OutputDir = outputDir,
            MaskDir = Abs(job.MaskDir),
            ReferenceFramesDir = string.Join("!!!", job.ReferenceDirs().Select(Abs)),
        };
    }

    /// <summary><c>ffmpeg -framerate 30 -i seq_rgb/frame_%02d.png -c:v ffv1 -pix_fmt bgr0 video.mkv</c> (lossless).</summary>
    private static string BuildVideo(string folder)
    {
        Directory.CreateDirectory(folder);
        var video = Path.Combine(folder, "video.mkv");
        var info = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "-v", "error", "-y", "-framerate", "30", "-i", GoldenData.Path("loopback", "inputs", "seq_rgb", "frame_%02d.png"),
                     "-c:v", "ffv1", "-pix_fmt", "bgr0", video })
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"building the test video failed: {error}");
        return video;
    }
}
