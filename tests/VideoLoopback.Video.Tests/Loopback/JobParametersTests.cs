using System.Text.Json;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>The job parameter table: every key reads and writes back, unknown keys fail, options merge over a job file.</summary>
public sealed class JobParametersTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-job-params-");

    /// <summary>A value of the parameter's type that differs from its default and survives the settings JSON.</summary>
    private object Changed(JobParameter p) => p.Default switch
    {
        _ when p.Type == typeof(IReadOnlyList<ControlNetSpec>) =>
            new List<ControlNetSpec> { new() { Model = Path.Combine(_temp.FullName, "cn.safetensors"), Weight = 0.5, ControlMode = "prompt" } },
        _ when p.Type == typeof(IReadOnlyList<string>) => new List<string> { "detail:0.8", "style" },
        _ when p.Type == typeof(double?) => 0.5,
        _ when p.Type == typeof(int?) => 18, // unset by default
        bool b => !b,
        int i => i + 3,
        long l => l + 1000,
        double d => d + 0.5,
        Enum e => Enum.GetValues(p.Type).Cast<Enum>().First(v => !v.Equals(e)),
        // Paths are written absolute.
        _ => Path.Combine(_temp.FullName, p.Key),
    };

    private static JobSpec ReadBack(string json, string folder)
    {
        var path = Path.Combine(folder, "job.json");
        File.WriteAllText(path, json);
        return JobFile.Read(path);
    }

    [Fact]
    public void EveryWrittenKeyRoundTrips()
    {
        var job = new JobSpec();
        foreach (var p in JobParameters.All) job = p.With(job, Changed(p));
        var read = ReadBack(JobFile.Settings(job, "t", "m", "h"), _temp.FullName);
        foreach (var p in JobParameters.All)
        {
            var expected = p.Write == JobKeyWrite.Never ? p.Default : p.Get(job);
            Assert.True(JsonEquals(expected, p.Get(read)), $"{p.Key}: wrote {Show(p.Get(job))}, read {Show(p.Get(read))}");
        }
    }

    [Fact]
    public void KeysNeverWrittenAreStillRead()
    {
        foreach (var p in JobParameters.All.Where(p => p.Write == JobKeyWrite.Never))
        {
            var job = p.With(new JobSpec(), Changed(p));
            var json = JobFile.PythonJson(new List<(string, object?)> { (p.Key, p.ToJson(job)) });
            Assert.DoesNotContain($"\"{p.Key}\"", JobFile.Settings(job, "t", "m", "h"));
            Assert.Equal(p.Get(job), p.Get(ReadBack(json, _temp.FullName)));
        }
    }

    [Fact]
    public void DefaultJobWritesTheOriginalKeysInItsOrder()
    {
        using var golden = JsonDocument.Parse(File.ReadAllText(GoldenData.Path("loopback", "orchestration", "k_post_processing", "settings.json")));
        using var written = JsonDocument.Parse(JobFile.Settings(new JobSpec(), "t", "m", "h"));
        Assert.Equal(golden.RootElement.EnumerateObject().Select(p => p.Name), written.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void OurKeysAreWrittenOnlyWhenChanged()
    {
        var job = new JobSpec { Loras = ["style"], GeneratorBatch = 2, Model = "m.safetensors" };
        using var written = JsonDocument.Parse(JobFile.Settings(job, "t", "m", "h"));
        var keys = written.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.Equal(["model_name", "model_hash", "loras"], keys.TakeLast(3));
        Assert.DoesNotContain("lora_dir", keys);
        Assert.DoesNotContain("generator_batch", keys);
    }

    [Theory]
    [InlineData("""{ "loop_x": 1 }""", "unknown key 'loop_x'")]
    [InlineData("""{ "loop_n": "3" }""", "'loop_n' is \"3\", expected an integer")]
    [InlineData("""{ "fix_seed": 1 }""", "'fix_seed' is 1, expected true or false")]
    [InlineData("""{ "temporal_superimpose_method": "blend" }""", "expected 'simple' or 'with difference mask from reference'")]
    [InlineData("""{ "video_post_process_method": "none" }""", "expected 'None' or 'FastDVDNet'")]
    public void BadKeysAndValuesAreRejected(string json, string message) =>
        Assert.Contains(message, Assert.Throws<JobException>(() => ReadBack(json, _temp.FullName)).Message);

    [Fact]
    public void MethodsReadAndWriteTheOriginalsStrings()
    {
        var job = ReadBack("""{ "temporal_superimpose_method": "with difference mask from reference", "video_post_process_method": "FastDVDNet" }""",
            _temp.FullName);
        Assert.Equal(TemporalSuperimposeMethod.WithDifferenceMask, job.TemporalSuperimposeMethod);
        Assert.Equal(VideoPostProcessMethod.FastDvdNet, job.VideoPostProcessMethod);
        var written = JobFile.Settings(job, "t", "m", "h");
        Assert.Contains("\"temporal_superimpose_method\": \"with difference mask from reference\"", written);
        Assert.Contains("\"video_post_process_method\": \"FastDVDNet\"", written);
    }

    [Fact]
    public void NullsReadAsTheOriginalDoes()
    {
        var job = ReadBack("""{ "denoising_strength": null, "prompt": null, "model": null, "loras": null }""", _temp.FullName);
        Assert.Equal(0.75, job.DenoisingStrength);
        Assert.Equal("", job.Prompt);
        Assert.Null(job.Model);
        Assert.Empty(job.Loras);
    }

    [Fact]
    public void OptionNamesAreTheKeysInKebabCaseExceptTheKeptOnes()
    {
        var renamed = new Dictionary<string, string>
        {
            ["input_dir"] = "--input", ["output_dir"] = "--output", ["reference_frames_dir"] = "--reference-frames-directory",
            ["n_iter"] = "--batch-count", ["model"] = "--model, --checkpoint", ["controlnet_units"] = "--controlnet", ["loras"] = "--lora",
        };
        foreach (var p in JobParameters.All)
            Assert.Equal(renamed.GetValueOrDefault(p.Key, "--" + p.Key.Replace('_', '-')), string.Join(", ", p.OptionNames));
        Assert.Equal(JobParameters.All.Count, JobParameters.All.SelectMany(p => p.OptionNames).Distinct().Count() - 1);
    }

    [Fact]
    public void SchedulesAreTheTwelveOfTheOriginal()
    {
        Assert.Equal(12, JobParameters.Schedules.Count());
        Assert.All(JobParameters.Schedules, p => Assert.EndsWith("_schedule", p.Key));
    }

    [Fact]
    public void OptionsOverrideAJobFile()
    {
        var file = ReadBack("""{ "loop_n": 3, "prompt": "from file", "seed": 5, "loras": ["a"], "cfg_scale": 6 }""", _temp.FullName);
        var options = new (string Name, string? Value)[]
        {
            ("--loop-n", "2"), ("--loop-n", "4"), ("--seed", "-1"), ("--lora", "b"), ("--lora", "c:0.5"), ("--checkpoint", "x.safetensors"),
            ("--temporal-superimpose-method", "with difference mask from reference"), ("--controlnet", "cn.safetensors,weight=0.5"),
        }.ToLookup(o => o.Name, o => o.Value);
        var job = JobParameters.ApplyOptions(file, options);
        Assert.Equal(4, job.LoopN);
        Assert.Equal(-1, job.Seed);
        Assert.Equal(["b", "c:0.5"], job.Loras);
        Assert.Equal("x.safetensors", job.Model);
        Assert.Equal(TemporalSuperimposeMethod.WithDifferenceMask, job.TemporalSuperimposeMethod);
        Assert.Equal(0.5, Assert.Single(job.ControlNets).Weight);
        Assert.Equal("from file", job.Prompt);
        Assert.Equal(6, job.CfgScale);
    }

    [Fact]
    public void ResumingTakesOnlyTheOptionsThatKeepTheFrames()
    {
        var options = new[] { ("--generator-batch", "2"), ("--loop-n", "9"), ("--fastdvdnet-weights", "w.pth") }.ToLookup(o => o.Item1, o => (string?)o.Item2);
        var job = JobParameters.ApplyOptions(new JobSpec(), options, resuming: true);
        Assert.Equal(2, job.GeneratorBatch);
        Assert.Equal("w.pth", job.FastdvdnetWeights);
        Assert.Equal(10, job.LoopN);
    }

    [Theory]
    [InlineData("--loop-x", "1", "unknown option '--loop-x'")]
    [InlineData("--loop-n", "x", "--loop-n 'x': expected an integer")]
    [InlineData("--fix-seed", "yes", "--fix-seed 'yes': expected true or false")]
    [InlineData("--prompt", null, "--prompt: no value given")]
    public void BadOptionsAreRejected(string name, string? value, string message) =>
        Assert.Contains(message, Assert.Throws<JobException>(() =>
            JobParameters.ApplyOptions(new JobSpec(), new[] { (name, value) }.ToLookup(o => o.name, o => o.value))).Message);

    [Theory]
    [InlineData("mask_threshold", 256, "mask_threshold is 256, expected 0..255")]
    [InlineData("denoising_strength", 1.5, "denoising_strength is 1.5, expected 0..1")]
    [InlineData("output_frame_rate", double.NaN, "output_frame_rate is NaN, expected a positive number")]
    [InlineData("resize_mode", 4, "resize_mode is 4, expected 0 (just resize)")]
    [InlineData("generator_batch", 0, "generator_batch is 0, expected at least 1")]
    public void RangesAreChecked(string key, object value, string message)
    {
        var p = JobParameters.Find(key)!;
        var job = p.With(new JobSpec(), Convert.ChangeType(value, p.Type, System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains(message, Assert.Throws<JobException>(() => p.CheckRange(job)).Message);
    }

    private static bool JsonEquals(object? a, object? b) => (a, b) switch
    {
        (IEnumerable<object> x, IEnumerable<object> y) => x.SequenceEqual(y),
        _ => Equals(a, b),
    };

    private static string Show(object? v) => v is IEnumerable<object> list ? $"[{string.Join(", ", list)}]" : $"{v}";

    public void Dispose() => _temp.Delete(recursive: true);
}
