using System.Globalization;
using System.Text;
using System.Text.Json;
using VideoLoopback.Video.Generation;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The job file format, which is the settings JSON the original extension writes beside its frames
/// (<c>&lt;output&gt;/&lt;timestamp&gt;/&lt;timestamp&gt;.json</c>): the same keys, read as-is, plus the optional
/// <c>model</c>, <c>generator_batch</c> and <c>fastdvdnet_weights</c>. Writing produces the original's layout (Python's <c>json.dump(indent=4)</c>).
/// </summary>
public static class JobFile
{
    /// <summary>Keys the original writes that describe a finished run rather than a job; read and ignored.</summary>
    private static readonly HashSet<string> Informational = ["timestamp", "model_name", "model_hash"];

    public static JobSpec Read(string path)
    {
        if (!File.Exists(path)) throw new JobException($"job file '{path}' does not exist");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new JobException($"job file '{path}' is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JobException($"job file '{path}': expected a JSON object");
            var job = new JobSpec();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (Informational.Contains(prop.Name)) continue;
                job = Apply(job, prop.Name, prop.Value, $"job file '{path}'");
            }
            return job;
        }
    }

    /// <summary>Sets the parameter named <paramref name="key"/> (the original's name) from a JSON value.</summary>
    public static JobSpec Apply(JobSpec job, string key, JsonElement v, string where)
    {
        string S() => v.ValueKind switch
        {
            JsonValueKind.String => v.GetString()!,
            JsonValueKind.Null => "",
            _ => throw Bad(where, key, v, "a string"),
        };
        bool B() => v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(where, key, v, "true or false"),
        };
        double D() => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : throw Bad(where, key, v, "a number");
        long L()
        {
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var l)) return l;
            if (v.ValueKind == JsonValueKind.Number && v.GetDouble() is var d && d == Math.Floor(d) && Math.Abs(d) < 1e18) return (long)d;
            throw Bad(where, key, v, "an integer");
        }
        int I() => checked((int)L());
        return key switch
        {
            "input_dir" => job with { InputDir = S() },
            "output_dir" => job with { OutputDir = S() },
            "use_mask" => job with { UseMask = B() },
            "mask_dir" => job with { MaskDir = S() },
            "mask_threshold" => job with { MaskThreshold = I() },
            "read_prompt_from_txt" => job with { ReadPromptFromTxt = B() },
            "output_frame_rate" => job with { OutputFrameRate = D() },
            "max_frames" => job with { MaxFrames = I() },
            "extract_nth_frame" => job with { ExtractNthFrame = I() },
            "is_continue" => job with { IsContinue = B() },
            "loop_n" => job with { LoopN = I() },
            "superimpose_alpha" => job with { SuperimposeAlpha = D() },
            "fix_seed" => job with { FixSeed = B() },
            "fix_subseed" => job with { FixSubseed = B() },
            "temporal_superimpose_method" => job with { TemporalSuperimposeMethod = S() },
            "temporal_superimpose_alpha_list" => job with { TemporalSuperimposeAlphaList = S() },
            "reference_frames_dir" => job with { ReferenceFramesDir = S() },
            "save_every_loop" => job with { SaveEveryLoop = B() },
            "subseed_strength_schedule" => job with { SubseedStrengthSchedule = S() },
            "denoising_schedule" => job with { DenoisingSchedule = S() },
            "step_schedule" => job with { StepSchedule = S() },
            "seed_schedule" => job with { SeedSchedule = S() },
            "subseed_schedule" => job with { SubseedSchedule = S() },
            "cfg_schedule" => job with { CfgSchedule = S() },
            "superimpose_alpha_schedule" => job with { SuperimposeAlphaSchedule = S() },
            "temporal_superimpose_schedule" => job with { TemporalSuperimposeSchedule = S() },
            "prompt_schedule" => job with { PromptSchedule = S() },
            "negative_prompt_schedule" => job with { NegativePromptSchedule = S() },
            "batch_count_schedule" => job with { BatchCountSchedule = S() },
            "image_post_processing_schedule" => job with { ImagePostProcessingSchedule = S() },
            "video_post_process_method" => job with { VideoPostProcessMethod = S() },
            "video_post_process_alpha" => job with { VideoPostProcessAlpha = D() },
            "fastdvdnet_noise_sigma" => job with { FastdvdnetNoiseSigma = D() },
            "seed" => job with { Seed = L() },
            "subseed" => job with { Subseed = L() },
            "subseed_strength" => job with { SubseedStrength = D() },
            "cfg_scale" => job with { CfgScale = D() },
            "prompt" => job with { Prompt = S() },
            "negative_prompt" => job with { NegativePrompt = S() },
            "sampler_name" => job with { SamplerName = S() },
            "width" => job with { Width = I() },
            "height" => job with { Height = I() },
            "denoising_strength" => job with { DenoisingStrength = v.ValueKind == JsonValueKind.Null ? 0.75 : D() },
            "batch_size" => job with { BatchSize = I() },
            "n_iter" => job with { NIter = I() },
            "steps" => job with { Steps = I() },
            "resize_mode" => job with { ResizeMode = I() },
            "clip_skip" => job with { ClipSkip = I() },
            "model" => job with { Model = v.ValueKind == JsonValueKind.Null ? null : S() },
            "generator_batch" => job with { GeneratorBatch = I() },
            "fastdvdnet_weights" => job with { FastdvdnetWeights = v.ValueKind == JsonValueKind.Null ? null : S() },
            "controlnet_units" => job with { ControlNets = ControlNetUnits(v, where) },
            "loras" => job with { Loras = Strings(v, where, key) },
            "lora_dir" => job with { LoraDir = v.ValueKind == JsonValueKind.Null ? null : S() },
            _ => throw new JobException($"{where}: unknown key '{key}' (expected the original's parameter names, e.g. loop_n, superimpose_alpha)"),
        };
    }

    private static List<string> Strings(JsonElement v, string where, string key)
    {
        if (v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(e => e.ValueKind != JsonValueKind.String))
            throw Bad(where, key, v, "a list of strings");
        return v.EnumerateArray().Select(e => e.GetString()!).ToList();
    }

    /// <summary>"controlnet_units": a list of objects with model, weight, guidance_start, guidance_end, control_mode, resize_mode.</summary>
    private static List<ControlNetSpec> ControlNetUnits(JsonElement v, string where)
    {
        if (v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Array) throw Bad(where, "controlnet_units", v, "a list of objects");
        var units = new List<ControlNetSpec>();
        int n = 0;
        foreach (var unit in v.EnumerateArray())
        {
            string at = $"{where}: controlnet_units[{n++}]";
            if (unit.ValueKind != JsonValueKind.Object) throw Bad(where, $"controlnet_units[{n - 1}]", unit, "an object");
            if (!unit.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
                throw new JobException($"{at}: 'model' (the ControlNet file) is missing");
            var spec = new ControlNetSpec { Model = model.GetString()! };
            foreach (var prop in unit.EnumerateObject())
            {
                var e = prop.Value;
                double D() => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Bad(at, prop.Name, e, "a number");
                string S() => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(at, prop.Name, e, "a string");
                spec = prop.Name switch
                {
                    "model" => spec,
                    "weight" => spec with { Weight = D() },
                    "guidance_start" => spec with { GuidanceStart = D() },
                    "guidance_end" => spec with { GuidanceEnd = D() },
                    "control_mode" => spec with { ControlMode = S() },
                    "resize_mode" => spec with { ResizeMode = S() },
                    _ => throw new JobException($"{at}: unknown key '{prop.Name}' (expected model, weight, guidance_start, guidance_end, control_mode, resize_mode)"),
                };
            }
            units.Add(spec);
        }
        return units;
    }

    private static JobException Bad(string where, string key, JsonElement v, string expected) =>
        new($"{where}: '{key}' is {v.GetRawText()}, expected {expected}");

    /// <summary>
    /// The settings JSON the original writes: its script arguments, the img2img settings at start (seeds resolved),
    /// clip_skip and the model's name and hash, in its key order.
    /// </summary>
    public static string Settings(JobSpec job, string timestamp, FrameGenerationParams start, string modelName, string modelHash)
    {
        var fields = new List<(string, object?)>
        {
            ("timestamp", timestamp), ("input_dir", job.InputDir), ("output_dir", job.OutputDir), ("use_mask", job.UseMask),
            ("mask_dir", job.MaskDir), ("mask_threshold", (long)job.MaskThreshold), ("read_prompt_from_txt", job.ReadPromptFromTxt),
            ("output_frame_rate", IntegralOrDouble(job.OutputFrameRate)), ("max_frames", (long)job.MaxFrames),
            ("extract_nth_frame", (long)job.ExtractNthFrame), ("is_continue", job.IsContinue), ("loop_n", (long)job.LoopN),
            ("superimpose_alpha", job.SuperimposeAlpha), ("fix_seed", job.FixSeed), ("fix_subseed", job.FixSubseed),
            ("temporal_superimpose_method", job.TemporalSuperimposeMethod),
            ("temporal_superimpose_alpha_list", job.TemporalSuperimposeAlphaList), ("reference_frames_dir", job.ReferenceFramesDir),
            ("save_every_loop", job.SaveEveryLoop), ("subseed_strength_schedule", job.SubseedStrengthSchedule),
            ("denoising_schedule", job.DenoisingSchedule), ("step_schedule", job.StepSchedule), ("seed_schedule", job.SeedSchedule),
            ("subseed_schedule", job.SubseedSchedule), ("cfg_schedule", job.CfgSchedule),
            ("superimpose_alpha_schedule", job.SuperimposeAlphaSchedule),
            ("temporal_superimpose_schedule", job.TemporalSuperimposeSchedule), ("prompt_schedule", job.PromptSchedule),
            ("negative_prompt_schedule", job.NegativePromptSchedule), ("batch_count_schedule", job.BatchCountSchedule),
            ("image_post_processing_schedule", job.ImagePostProcessingSchedule),
            ("video_post_process_method", job.VideoPostProcessMethod), ("video_post_process_alpha", job.VideoPostProcessAlpha),
            ("fastdvdnet_noise_sigma", IntegralOrDouble(job.FastdvdnetNoiseSigma)),
            ("seed", start.Seed), ("subseed", start.Subseed), ("subseed_strength", start.SubseedStrength), ("cfg_scale", start.CfgScale),
            ("prompt", start.Prompt), ("negative_prompt", start.NegativePrompt), ("sampler_name", start.SamplerName),
            ("width", (long)start.Width), ("height", (long)start.Height), ("denoising_strength", start.DenoisingStrength),
            ("batch_size", (long)start.BatchSize), ("n_iter", (long)start.BatchCount), ("steps", (long)start.Steps),
            ("resize_mode", (long)start.ResizeMode), ("clip_skip", (long)start.ClipSkip), ("model_name", modelName), ("model_hash", modelHash),
        };
        // Not original keys: written only when set, so --resume finds the same weights.
        if (job.FastdvdnetWeights is not null) fields.Add(("fastdvdnet_weights", Path.GetFullPath(job.FastdvdnetWeights)));
        if (job.ControlNets.Count > 0)
            fields.Add(("controlnet_units", job.ControlNets.Select(u => (object?)new List<(string, object?)>
            {
                ("model", Path.GetFullPath(u.Model)), ("weight", u.Weight), ("guidance_start", u.GuidanceStart),
                ("guidance_end", u.GuidanceEnd), ("control_mode", u.ControlMode), ("resize_mode", u.ResizeMode),
            }).ToList()));
        if (job.Loras.Count > 0) fields.Add(("loras", job.Loras.Select(l => (object?)l).ToList()));
        if (job.LoraDir is not null) fields.Add(("lora_dir", Path.GetFullPath(job.LoraDir)));
        return PythonJson(fields);
    }

    private static object IntegralOrDouble(double d) => d == Math.Floor(d) && Math.Abs(d) < 1e15 ? (long)d : d;

    /// <summary>
    /// A value as Python's json module writes it with ensure_ascii=False and indent=4 (floats in repr form: 7.0, 0.25); an
    /// object is a list of (key, value) pairs, kept in order.
    /// </summary>
    public static string PythonJson(object? v, int indent = 0) => v switch
    {
        List<(string, object?)> o => Container('{', '}', o.Select(p => PythonJson(p.Item1) + ": " + PythonJson(p.Item2, indent + 1)).ToList(), indent),
        List<object?> a => Container('[', ']', a.Select(e => PythonJson(e, indent + 1)).ToList(), indent),
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => PythonFloat(d),
        string s => PythonString(s),
        _ => throw new ArgumentException($"cannot write {v.GetType().Name} as JSON"),
    };

    private static string Container(char open, char close, List<string> items, int indent)
    {
        if (items.Count == 0) return $"{open}{close}";
        string inner = new(' ', 4 * (indent + 1)), outer = new(' ', 4 * indent);
        return open + "\n" + string.Join(",\n", items.Select(i => inner + i)) + "\n" + outer + close;
    }

    public static string PythonFloat(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsInfinity(d)) return d > 0 ? "Infinity" : "-Infinity";
        var r = d.ToString("R", CultureInfo.InvariantCulture);
        if (r.Contains('E'))
        {
            // Python: 1e-05, 1e+16.
            var parts = r.Split('E');
            int exp = int.Parse(parts[1], CultureInfo.InvariantCulture);
            return $"{parts[0]}e{(exp < 0 ? "-" : "+")}{Math.Abs(exp):D2}";
        }
        return r.Contains('.') ? r : r + ".0";
    }

    private static string PythonString(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
