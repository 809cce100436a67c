using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>ControlNet units and LoRAs in the job: the job file keys, the CLI unit syntax, and validation before the first frame.</summary>
[Trait("Area", "adapters")]
public sealed class AdapterJobTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-adapter-job-");

    private static string ControlNet(string name) => Path.GetFullPath(Path.Combine(GoldenData.Path("adapters", "controlnet"), name));

    private JobSpec ValidJob() => new()
    {
        InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"),
        OutputDir = Path.Combine(_temp.FullName, "out"),
        Width = 32, Height = 24, LoopN = 2, Seed = 1, Subseed = 2,
    };

    private static string Fails(JobSpec job) =>
        Assert.Throws<JobException>(() => JobValidator.Validate(job, ScheduleCompilers.Default)).Message;

    [Fact]
    public void SettingsFileRoundTripsUnitsAndLoras()
    {
        var job = ValidJob() with
        {
            ControlNets = [new ControlNetSpec { Model = ControlNet("tiny_controlnet_A.safetensors"), Weight = 0.7, GuidanceStart = 0.1, GuidanceEnd = 0.8, ControlMode = "My prompt is more important", ResizeMode = "Just Resize" }],
            Loras = ["detail:0.8", "style"],
            LoraDir = _temp.FullName,
        };
        var path = Path.Combine(_temp.FullName, "job.json");
        File.WriteAllText(path, JobFile.Settings(job, "t", "m", "h"));
        var read = JobFile.Read(path);
        var unit = Assert.Single(read.ControlNets);
        Assert.Equal(job.ControlNets[0], unit);
        Assert.Equal(ControlMode.PromptMoreImportant, unit.Mode());
        Assert.Equal(HintResizeMode.JustResize, unit.Resize());
        Assert.Equal(job.Loras, read.Loras);
        Assert.Equal(Path.GetFullPath(_temp.FullName), read.LoraDir);
    }

    [Fact]
    public void EmbeddingsDirIsWrittenAsAFullPathOnlyWhenSetAndMustExist()
    {
        var path = Path.Combine(_temp.FullName, "job.json");
        File.WriteAllText(path, JobFile.Settings(ValidJob() with { EmbeddingsDir = _temp.FullName }, "t", "m", "h"));
        Assert.Equal(Path.GetFullPath(_temp.FullName), JobFile.Read(path).EmbeddingsDir);
        Assert.DoesNotContain("embeddings_dir", JobFile.Settings(ValidJob(), "t", "m", "h"));
        Assert.Empty(JobValidator.Validate(ValidJob() with { EmbeddingsDir = _temp.FullName }, ScheduleCompilers.Default));
        Assert.StartsWith("embeddings_dir:", Fails(ValidJob() with { EmbeddingsDir = Path.Combine(_temp.FullName, "missing") }));
    }

    [Fact]
    public void JobFileUnitsNeedAModelAndKnownKeys()
    {
        var path = Path.Combine(_temp.FullName, "job.json");
        File.WriteAllText(path, """{ "controlnet_units": [ { "weight": 0.5 } ] }""");
        Assert.Contains("controlnet_units[0]: 'model'", Assert.Throws<JobException>(() => JobFile.Read(path)).Message);
        File.WriteAllText(path, """{ "controlnet_units": [ { "model": "a.safetensors", "strength": 0.5 } ] }""");
        Assert.Contains("unknown key 'strength'", Assert.Throws<JobException>(() => JobFile.Read(path)).Message);
    }

    [Fact]
    public void CommandLineUnitSyntax()
    {
        var unit = ControlNetSpec.Parse("models/canny.safetensors,weight=0.6,start=0.2,end=0.9,mode=controlnet,resize=fill");
        Assert.Equal(new ControlNetSpec { Model = "models/canny.safetensors", Weight = 0.6, GuidanceStart = 0.2, GuidanceEnd = 0.9, ControlMode = "controlnet", ResizeMode = "fill" }, unit);
        Assert.Equal(ControlMode.ControlNetMoreImportant, unit.Mode());
        Assert.Equal(HintResizeMode.ResizeAndFill, unit.Resize());
        Assert.Contains("unknown key 'strength'", Assert.Throws<JobException>(() => ControlNetSpec.Parse("a.safetensors,strength=1")).Message);
        Assert.Contains("weight 'x'", Assert.Throws<JobException>(() => ControlNetSpec.Parse("a.safetensors,weight=x")).Message);
    }

    [Fact]
    public void UnitProblemsAreCaughtBeforeTheFirstFrame()
    {
        var a = ControlNet("tiny_controlnet_A.safetensors");
        Assert.Contains("not found", Fails(ValidJob() with { ControlNets = [new ControlNetSpec { Model = Path.Combine(_temp.FullName, "none.safetensors") }] }));
        Assert.Contains("guidance start 0.9 / end 0.5", Fails(ValidJob() with { ControlNets = [new ControlNetSpec { Model = a, GuidanceStart = 0.9, GuidanceEnd = 0.5 }] }));
        Assert.Contains("control mode 'loud'", Fails(ValidJob() with { ControlNets = [new ControlNetSpec { Model = a, ControlMode = "loud" }] }));
        Assert.Contains("2 ControlNet units but no reference_frames_directory",
            Fails(ValidJob() with { ControlNets = [new ControlNetSpec { Model = a }, new ControlNetSpec { Model = a }] }));
        var refA = GoldenData.Path("loopback", "inputs", "ref_a");
        Assert.Contains("1 ControlNet unit(s) but 2 reference_frames_directory",
            Fails(ValidJob() with { ReferenceFramesDir = $"{refA}!!!{refA}", ControlNets = [new ControlNetSpec { Model = a }] }));
    }

    [Fact]
    public void JobLorasMustExistInTheLoraFolder()
    {
        var folder = GoldenData.Path("adapters", "lora");
        Assert.Empty(JobValidator.Validate(ValidJob() with { LoraDir = folder, Loras = ["tiny_lora_r4_a2:0.5"] }, ScheduleCompilers.Default));
        Assert.Contains("'nope' not found", Fails(ValidJob() with { LoraDir = folder, Loras = ["nope:0.5"] }));
        Assert.Contains("lora_dir", Fails(ValidJob() with { LoraDir = Path.Combine(_temp.FullName, "missing"), Loras = ["x"] }));
        Assert.Contains("not a number", Fails(ValidJob() with { LoraDir = folder, Loras = ["tiny_lora_r4_a2:lots"] }));
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
