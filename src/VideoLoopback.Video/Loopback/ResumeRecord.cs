using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// What a run's frames depend on and how far they got, in <c>&lt;timestamp&gt;.resume.json</c> beside the settings JSON
/// (which stays the original's format): every job key with paths made absolute, the generator, dtype, checkpoint name and
/// hash, the engine's version and the input's size and modification time; then the loops whose frames are final (after
/// their post-process) and the loop videos written. <c>--resume</c> takes the job from it and refuses an option that would
/// change frames already rendered. Rewritten atomically (a temporary name, then a rename), so it is always whole.
/// </summary>
public sealed class ResumeRecord
{
    public required JobSpec Job { get; set; }
    public required string Generator { get; init; }
    public string Dtype { get; init; } = "";
    public string ModelName { get; init; } = "";
    public string ModelHash { get; init; } = "";
    public string EngineVersion { get; init; } = CurrentEngineVersion;
    public string Input { get; init; } = "";
    /// <summary>Loops (counted from the first) whose frames are on disk as final, their post-process done.</summary>
    public int LoopsFinished { get; set; }
    /// <summary>File names of the loop videos written whole (after their rename).</summary>
    public List<string> VideosFinished { get; init; } = [];

    public static string CurrentEngineVersion =>
        typeof(ResumeRecord).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>The record of a run starting now: <paramref name="job"/> as it starts (seeds fixed).</summary>
    public static ResumeRecord Start(JobSpec job, string generator, string dtype, string modelName, string modelHash) => new()
    {
        Job = Absolute(job), Generator = generator, Dtype = dtype, ModelName = modelName, ModelHash = modelHash,
        Input = InputIdentity(job.InputDir),
    };

    /// <summary>The job with every path given made absolute, so a resume from another directory finds the same files.</summary>
    public static JobSpec Absolute(JobSpec job)
    {
        static string Full(string p) => p.Length == 0 ? p : Path.GetFullPath(p);
        return job with
        {
            InputDir = Full(job.InputDir),
            OutputDir = Full(job.OutputDir),
            MaskDir = Full(job.MaskDir),
            ReferenceFramesDir = string.Join("!!!", job.ReferenceDirs().Select(Full)),
            Model = job.Model is null ? null : Full(job.Model),
            FastdvdnetWeights = job.FastdvdnetWeights is null ? null : Full(job.FastdvdnetWeights),
            LoraDir = job.LoraDir is null ? null : Full(job.LoraDir),
            EmbeddingsDir = job.EmbeddingsDir is null ? null : Full(job.EmbeddingsDir),
            SdVae = job.SdVae is null ? null : Full(job.SdVae),
            ControlNets = job.ControlNets.Select(u => u with { Model = Full(u.Model) }).ToList(),
        };
    }

    /// <summary>The input's size and last modification: a file's, or a folder's file count, total size and latest change.</summary>
    public static string InputIdentity(string path)
    {
        if (File.Exists(path))
        {
            var file = new FileInfo(path);
            return string.Create(CultureInfo.InvariantCulture, $"{file.Length} bytes, modified {file.LastWriteTimeUtc:O}");
        }
        if (!Directory.Exists(path)) return "missing";
        var files = new DirectoryInfo(path).EnumerateFiles().ToList();
        var latest = files.Count == 0 ? DateTime.MinValue : files.Max(f => f.LastWriteTimeUtc);
        return string.Create(CultureInfo.InvariantCulture, $"{files.Count} files, {files.Sum(f => f.Length)} bytes, latest modified {latest:O}");
    }

    /// <summary>
    /// The resumed job: the recorded one (in <paramref name="outputDir"/>, where the run folder is now) with the options
    /// given. An option that changes a value the frames depend on stops with an error naming it and both values; those that
    /// only extend the run (more loops, a video after every loop) or do not touch the frames are taken.
    /// </summary>
    public JobSpec Resume(IEnumerable<IGrouping<string, string?>> options, string outputDir)
    {
        var recorded = Job with { OutputDir = outputDir };
        var given = Absolute(JobParameters.ApplyOptions(recorded, options));
        foreach (var p in JobParameters.All)
        {
            if (p.ResumeMayChange) continue;
            string was = JobFile.PythonJson(p.ToJson(recorded)), now = JobFile.PythonJson(p.ToJson(given));
            if (was == now || Extends(p, recorded, given)) continue;
            throw new JobException($"--resume: {p.OptionNames[0]} would change frames already rendered: the run has {was}, the option gives {now}");
        }
        return given;
    }

    private static bool Extends(JobParameter p, JobSpec was, JobSpec now) => p.Key switch
    {
        "loop_n" => now.LoopN > was.LoopN,
        "save_every_loop" => now.SaveEveryLoop,
        _ => false,
    };

    /// <summary>The generator to resume with: the recorded one; a different <c>--generator</c> is refused.</summary>
    public string ResumeGenerator(string? option) =>
        option is null || option == Generator ? Generator
        : throw new JobException($"--resume: --generator would change frames already rendered: the run has '{Generator}', the option gives '{option}'");

    /// <summary>
    /// The compute dtype to resume with (a record name: float32, bfloat16, float16): the recorded one; a <c>--dtype</c> that
    /// names another is refused, as it changes every frame. <paramref name="option"/> is already a record name, or null.
    /// A run recorded without a dtype (the fake generator's) takes the option.
    /// </summary>
    public string? ResumeDtype(string? option) =>
        Dtype.Length == 0 ? option
        : option is null || option == Dtype ? Dtype
        : throw new JobException($"--resume: --dtype would change frames already rendered: the run has '{Dtype}', the option gives '{option}'");

    /// <summary>Stops a resume whose checkpoint or input changed since the run started; warns when the engine did.</summary>
    public void CheckUnchanged(string modelHash, Action<string> warn)
    {
        if (ModelHash.Length > 0 && modelHash != ModelHash)
            throw new JobException($"--resume: the checkpoint '{Job.Model ?? ModelName}' has hash {modelHash}, the run was rendered with {ModelHash} ({ModelName})");
        var input = InputIdentity(Job.InputDir);
        if (input != Input)
            throw new JobException($"--resume: input_dir '{Job.InputDir}' changed since the run started: it was {Input}, it is {input}");
        if (EngineVersion != CurrentEngineVersion)
            warn($"Warning: the run was started by engine version {EngineVersion}, this is {CurrentEngineVersion}; its frames may differ");
    }

    public void Save(RunFolder run)
    {
        var fields = new List<(string, object?)>
        {
            ("format", 1L), ("engine_version", EngineVersion), ("generator", Generator), ("dtype", Dtype),
            ("model_name", ModelName), ("model_hash", ModelHash), ("input", Input),
            ("job", JobParameters.All.Select(p => (p.Key, p.ToJson(Job))).Where(f => f.Item2 is not null).ToList()),
            ("loops_finished", (long)LoopsFinished), ("videos_finished", VideosFinished.Select(v => (object?)v).ToList()),
        };
        AtomicFile.Write(run.RecordFile, System.Text.Encoding.UTF8.GetBytes(JobFile.PythonJson(fields)));
        KillPoint.Passed();
    }

    /// <summary>The run's record, or null for a run folder made before records existed (it resumes as it always did).</summary>
    public static ResumeRecord? Read(RunFolder run)
    {
        var path = run.RecordFile;
        if (!File.Exists(path)) return null;
        string where = $"resume record '{path}'";
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            string Text(string key) => root.GetProperty(key).GetString() ?? "";
            var job = new JobSpec();
            foreach (var prop in root.GetProperty("job").EnumerateObject()) job = JobFile.Apply(job, prop.Name, prop.Value, where);
            return new ResumeRecord
            {
                Job = job, Generator = Text("generator"), Dtype = Text("dtype"), ModelName = Text("model_name"),
                ModelHash = Text("model_hash"), EngineVersion = Text("engine_version"), Input = Text("input"),
                LoopsFinished = root.GetProperty("loops_finished").GetInt32(),
                VideosFinished = root.GetProperty("videos_finished").EnumerateArray().Select(v => v.GetString() ?? "").ToList(),
            };
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            throw new JobException($"{where} is damaged ({e.Message}); delete it to resume as a run without a record");
        }
    }
}
