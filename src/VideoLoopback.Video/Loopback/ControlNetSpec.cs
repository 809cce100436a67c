using System.Globalization;
using VideoLoopback.Diffusion.ControlNet;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// One ControlNet unit of a job, as sd-webui-controlnet's unit settings: the model file, weight, guidance start/end as fractions
/// of the sampling steps, control mode and how the control image is fitted to the generation size. Unit k takes its control
/// images from the k-th <c>!!!</c>-separated reference_frames_directory (or, without one, from the input frames).
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
    }

    /// <summary>
    /// The command-line form <c>MODEL[,weight=W][,start=S][,end=E][,mode=balanced|prompt|controlnet][,resize=just|crop|fill]</c>.
    /// </summary>
    public static ControlNetSpec Parse(string text)
    {
        var parts = text.Split(',');
        var spec = new ControlNetSpec { Model = parts[0].Trim() };
        foreach (var part in parts.Skip(1))
        {
            int eq = part.IndexOf('=');
            if (eq < 0) throw new JobException($"--controlnet '{text}': '{part}' is not key=value (keys: weight, start, end, mode, resize)");
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
                _ => throw new JobException($"--controlnet '{text}': unknown key '{key}' (keys: weight, start, end, mode, resize)"),
            };
        }
        return spec;
    }
}
