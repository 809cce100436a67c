using System.Globalization;
using System.Text.Json;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.ControlNet.Preprocessors;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// One ControlNet unit of a job, as sd-webui-controlnet's unit settings: the model file, weight, guidance start/end as fractions
/// of the sampling steps, control mode and how the control image is fitted to the generation size. Unit k takes its control
/// images from the k-th <c>!!!</c>-separated reference_frames_directory (or, without one, from the input frames), which pass
/// through the unit's preprocessor (<c>module</c>, with processor_res / threshold_a / threshold_b) when it names one.
/// </summary>
public sealed record ControlNetSpec
{
    public required string Model { get; init; }
    public double Weight { get; init; } = 1.0;
    public double GuidanceStart { get; init; }
    public double GuidanceEnd { get; init; } = 1.0;
    /// <summary>"Balanced", "My prompt is more important" or "ControlNet is more important" (short forms balanced, prompt, controlnet).</summary>
    public string ControlMode { get; init; } = "Balanced";
    /// <summary>"Just Resize", "Crop and Resize" or "Resize and Fill" (short forms just, crop, fill); the extension's default is Crop and Resize.</summary>
    public string ResizeMode { get; init; } = "Crop and Resize";
    /// <summary>sd-webui-controlnet's preprocessor name (none, canny, ...); null = the control image is used as it is.</summary>
    public string? Module { get; init; }
    /// <summary>The preprocessor's resolution; null or -1 = the module's default (as the extension's API).</summary>
    public int? ProcessorRes { get; init; }
    /// <summary>The preprocessor's first setting (e.g. canny's low threshold); null or -1 = the module's default.</summary>
    public double? ThresholdA { get; init; }
    /// <summary>The preprocessor's second setting (e.g. canny's high threshold); null or -1 = the module's default.</summary>
    public double? ThresholdB { get; init; }

    private bool UsesPreprocessor => Module is not null || ProcessorRes is not null || ThresholdA is not null || ThresholdB is not null;

    /// <summary>The unit's preprocessing, or null when it sets none of module / processor_res / threshold_a / threshold_b.</summary>
    public UnitPreprocessing? Preprocessing()
    {
        if (!UsesPreprocessor) return null;
        var preprocessor = PreprocessorRegistry.Find(Module ?? "none", out var error)
            ?? throw new JobException($"ControlNet '{Model}': {error}");
        if (preprocessor.Check(ProcessorRes, ThresholdA, ThresholdB) is { } problem) throw new JobException($"ControlNet '{Model}': {problem}");
        return new UnitPreprocessing(preprocessor, ProcessorRes, ThresholdA, ThresholdB);
    }

    public ControlMode Mode() => ControlMode.Trim().ToLowerInvariant() switch
    {
        "balanced" => Diffusion.ControlNet.ControlMode.Balanced,
        "my prompt is more important" or "prompt" => Diffusion.ControlNet.ControlMode.PromptMoreImportant,
        "controlnet is more important" or "controlnet" => Diffusion.ControlNet.ControlMode.ControlNetMoreImportant,
        _ => throw new JobException($"ControlNet '{Model}': control mode '{ControlMode}' is unknown, expected Balanced, My prompt is more important or ControlNet is more important"),
    };

    public HintResizeMode Resize() => ResizeMode.Trim().ToLowerInvariant() switch
    {
        "just resize" or "just" => HintResizeMode.JustResize,
        "crop and resize" or "crop" => HintResizeMode.CropAndResize,
        "resize and fill" or "fill" => HintResizeMode.ResizeAndFill,
        _ => throw new JobException($"ControlNet '{Model}': resize mode '{ResizeMode}' is unknown, expected Just Resize, Crop and Resize or Resize and Fill"),
    };

    /// <summary>Checks everything but the model file's contents (which the generator reads when it loads).</summary>
    public void Validate()
    {
        if (Model.Trim().Length == 0) throw new JobException("ControlNet unit: the model path is empty");
        if (!File.Exists(Model)) throw new JobException($"ControlNet model '{Model}' not found");
        if (!double.IsFinite(Weight)) throw new JobException($"ControlNet '{Model}': weight {Weight} is not a finite number");
        if (!GuidanceWindow.IsValidRange(GuidanceStart, GuidanceEnd))
            throw new JobException($"ControlNet '{Model}': guidance start {GuidanceStart} / end {GuidanceEnd} must satisfy {GuidanceWindow.RangeRule}");
        Mode();
        Resize();
        Preprocessing();
    }

    /// <summary>
    /// A unit of the settings JSON's <c>controlnet_units</c>: an object with model, weight, guidance_start, guidance_end,
    /// control_mode, resize_mode, and optionally module, processor_res, threshold_a, threshold_b.
    /// </summary>
    /// <param name="at">Where the unit is, for errors: <c>job file 'x': controlnet_units[0]</c>.</param>
    public static ControlNetSpec FromJson(JsonElement unit, string at)
    {
        JobException Bad(string key, JsonElement v, string expected) => new($"{at}: '{key}' is {v.GetRawText()}, expected {expected}");
        if (unit.ValueKind != JsonValueKind.Object) throw new JobException($"{at} is {unit.GetRawText()}, expected an object");
        if (!unit.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
            throw new JobException($"{at}: 'model' (the ControlNet file) is missing");
        var spec = new ControlNetSpec { Model = model.GetString()! };
        foreach (var prop in unit.EnumerateObject())
        {
            var e = prop.Value;
            double D() => e.ValueKind == JsonValueKind.Number ? e.GetDouble() : throw Bad(prop.Name, e, "a number");
            int I() => e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var i) ? i : throw Bad(prop.Name, e, "a whole number");
            string S() => e.ValueKind == JsonValueKind.String ? e.GetString()! : throw Bad(prop.Name, e, "a string");
            spec = prop.Name switch
            {
                "model" => spec,
                "weight" => spec with { Weight = D() },
                "guidance_start" => spec with { GuidanceStart = D() },
                "guidance_end" => spec with { GuidanceEnd = D() },
                "control_mode" => spec with { ControlMode = S() },
                "resize_mode" => spec with { ResizeMode = S() },
                "module" => spec with { Module = S() },
                "processor_res" => spec with { ProcessorRes = I() },
                "threshold_a" => spec with { ThresholdA = D() },
                "threshold_b" => spec with { ThresholdB = D() },
                _ => throw new JobException($"{at}: unknown key '{prop.Name}' (expected model, weight, guidance_start, guidance_end, " +
                    "control_mode, resize_mode, module, processor_res, threshold_a, threshold_b)"),
            };
        }
        return spec;
    }

    /// <summary>
    /// The unit as the settings JSON holds it (the model path absolute), for <see cref="JobFile.PythonJson"/>; the preprocessor keys
    /// only where the unit sets them.
    /// </summary>
    public List<(string, object?)> ToJson()
    {
        List<(string, object?)> json =
        [
            ("model", Path.GetFullPath(Model)), ("weight", Weight), ("guidance_start", GuidanceStart),
            ("guidance_end", GuidanceEnd), ("control_mode", ControlMode), ("resize_mode", ResizeMode),
        ];
        if (Module is not null) json.Add(("module", Module));
        if (ProcessorRes is { } res) json.Add(("processor_res", res));
        if (ThresholdA is { } a) json.Add(("threshold_a", a));
        if (ThresholdB is { } b) json.Add(("threshold_b", b));
        return json;
    }

    /// <summary>
    /// The command-line form <c>MODEL[,weight=W][,start=S][,end=E][,mode=balanced|prompt|controlnet][,resize=just|crop|fill]
    /// [,module=NAME][,processor_res=N][,threshold_a=A][,threshold_b=B]</c>.
    /// </summary>
    private const string CommandLineKeys = "weight, start, end, mode, resize, module, processor_res, threshold_a, threshold_b";

    public static ControlNetSpec Parse(string text)
    {
        var parts = text.Split(',');
        var spec = new ControlNetSpec { Model = parts[0].Trim() };
        foreach (var part in parts.Skip(1))
        {
            int eq = part.IndexOf('=');
            if (eq < 0) throw new JobException($"--controlnet '{text}': '{part}' is not key=value (keys: {CommandLineKeys})");
            string key = part[..eq].Trim().ToLowerInvariant(), value = part[(eq + 1)..].Trim();
            double Number() => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var v)
                ? v : throw new JobException($"--controlnet '{text}': {key} '{value}' is not a number");
            spec = key switch
            {
                "weight" => spec with { Weight = Number() },
                "start" => spec with { GuidanceStart = Number() },
                "end" => spec with { GuidanceEnd = Number() },
                "mode" => spec with { ControlMode = value },
                "resize" => spec with { ResizeMode = value },
                "module" => spec with { Module = value },
                "processor_res" => spec with { ProcessorRes = Number() is var r && r == Math.Floor(r) && Math.Abs(r) <= int.MaxValue
                    ? (int)r : throw new JobException($"--controlnet '{text}': processor_res '{value}' is not a whole number") },
                "threshold_a" => spec with { ThresholdA = Number() },
                "threshold_b" => spec with { ThresholdB = Number() },
                _ => throw new JobException($"--controlnet '{text}': unknown key '{key}' (keys: {CommandLineKeys})"),
            };
        }
        return spec;
    }
}
