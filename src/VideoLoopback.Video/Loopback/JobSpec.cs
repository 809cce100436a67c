namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Everything a loopback render needs: the original extension's script arguments and the img2img settings it took from
/// WebUI, under the original's names (see <see cref="JobFile"/>). Immutable; <see cref="JobValidator"/> checks a whole job
/// before the first frame.
/// </summary>
public sealed record JobSpec
{
    // Script arguments of the original, in its order.
    public string InputDir { get; init; } = "";
    public string OutputDir { get; init; } = "";
    public bool UseMask { get; init; }
    public string MaskDir { get; init; } = "";
    public int MaskThreshold { get; init; } = 127;
    public bool ReadPromptFromTxt { get; init; }
    public double OutputFrameRate { get; init; } = 30;
    public int MaxFrames { get; init; } = 9999;
    public int ExtractNthFrame { get; init; } = 1;
    public bool IsContinue { get; init; }
    public int LoopN { get; init; } = 10;
    public double SuperimposeAlpha { get; init; } = 0.25;
    public bool FixSeed { get; init; } = true;
    public bool FixSubseed { get; init; }
    public string TemporalSuperimposeMethod { get; init; } = TemporalMethods.Simple;
    public string TemporalSuperimposeAlphaList { get; init; } = "1";
    public string ReferenceFramesDir { get; init; } = "";
    public bool SaveEveryLoop { get; init; } = true;
    public string SubseedStrengthSchedule { get; init; } = "";
    public string DenoisingSchedule { get; init; } = "";
    public string StepSchedule { get; init; } = "";
    public string SeedSchedule { get; init; } = "";
    public string SubseedSchedule { get; init; } = "";
    public string CfgSchedule { get; init; } = "";
    public string SuperimposeAlphaSchedule { get; init; } = "";
    public string TemporalSuperimposeSchedule { get; init; } = "";
    public string PromptSchedule { get; init; } = "";
    public string NegativePromptSchedule { get; init; } = "";
    public string BatchCountSchedule { get; init; } = "";
    public string ImagePostProcessingSchedule { get; init; } = "";
    public string VideoPostProcessMethod { get; init; } = "None";
    public double VideoPostProcessAlpha { get; init; } = 0.3;
    public double FastdvdnetNoiseSigma { get; init; } = 60;

    // img2img settings (WebUI's processing object).
    /// <summary>-1 picks a random seed when the render starts (WebUI's fix_seed).</summary>
    public long Seed { get; init; } = -1;
    public long Subseed { get; init; } = -1;
    public double SubseedStrength { get; init; }
    public double CfgScale { get; init; } = 7;
    public string Prompt { get; init; } = "";
    public string NegativePrompt { get; init; } = "";
    public string SamplerName { get; init; } = "Euler a";
    public int Width { get; init; } = 512;
    public int Height { get; init; } = 512;
    public double DenoisingStrength { get; init; } = 0.4;
    public int BatchSize { get; init; } = 1;
    public int NIter { get; init; } = 1;
    public int Steps { get; init; } = 20;
    public int ResizeMode { get; init; }
    public int ClipSkip { get; init; } = 1;

    /// <summary>Checkpoint file for the SD generator (not part of the original's settings).</summary>
    public string? Model { get; init; }

    /// <summary>
    /// FastDVDNet weights (.pth or .safetensors) for video_post_process_method FastDVDNet; null = the default
    /// locations (weights/fastdvdnet/model.pth or model.safetensors, see weights/README.md). Not part of the original's settings.
    /// </summary>
    public string? FastdvdnetWeights { get; init; }

    /// <summary>ControlNet units, one per <c>!!!</c>-separated reference directory (or one fed the input frames). Not part of the original's settings.</summary>
    public IReadOnlyList<ControlNetSpec> ControlNets { get; init; } = [];

    /// <summary>LoRAs for every frame, <c>name[:multiplier]</c>; prompt tags add to them. Not part of the original's settings.</summary>
    public IReadOnlyList<string> Loras { get; init; } = [];

    /// <summary>Folder the LoRA names (job and prompt tags) are looked up in, recursively; null = weights/lora.</summary>
    public string? LoraDir { get; init; }

    public const string DefaultLoraDir = "weights/lora";

    /// <summary>Frames handed to the generator per call; results do not depend on it.</summary>
    public int GeneratorBatch { get; init; } = 8;

    /// <summary>The alpha list parsed the way the original does: comma separated floats, empty parts skipped, <c>[1]</c> when empty.</summary>
    public IReadOnlyList<double> TemporalAlphas()
    {
        var parts = TemporalSuperimposeAlphaList.Split(',').Where(p => p.Length > 0).ToList();
        var values = new List<double>();
        foreach (var part in parts)
        {
            if (!double.TryParse(part.Trim(), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v))
                throw new JobException($"temporal_superimpose_alpha_list: '{part}' is not a number (expected comma separated numbers such as 0.1,0.8,0.1)");
            values.Add(v);
        }
        return values.Count == 0 ? [1.0] : values;
    }

    /// <summary>reference_frames_directory split on <c>!!!</c>, each part trimmed, empty parts dropped.</summary>
    public IReadOnlyList<string> ReferenceDirs() =>
        ReferenceFramesDir.Split("!!!").Select(p => p.Trim()).Where(p => p.Length > 0).ToList();

    public bool UsesDifferenceMask => TemporalSuperimposeMethod == TemporalMethods.WithDifferenceMask;
}

/// <summary>The original's video_post_process_method values.</summary>
public static class VideoPostProcessMethods
{
    public const string None = "None";
    public const string FastDvdNet = "FastDVDNet";
}

public static class TemporalMethods
{
    public const string Simple = "simple";
    public const string WithDifferenceMask = "with difference mask from reference";
}

/// <summary>A job that cannot run; the message names the parameter, file or expression and what was expected.</summary>
public sealed class JobException(string message, Exception? inner = null) : Exception(message, inner);
