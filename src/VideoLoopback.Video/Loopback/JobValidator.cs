using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Video.Ffmpeg;
using VideoLoopback.Video.FastDvdNet;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Checks a whole job before the first frame: paths exist, numbers are in range, the alpha list is odd, every schedule
/// parses and evaluates at image_i = 1, loop_i = 1. Throws <see cref="JobException"/> with the first problem; returns the
/// warnings the original would print while rendering (frames without a mask).
/// </summary>
public static class JobValidator
{
    /// <summary>Upper bounds of n_iter and of the images one frame generates (n_iter x batch_size), refused before any model loads.</summary>
    public const int MaxBatchCount = 1000, MaxImagesPerFrame = 4096;

    public static IReadOnlyList<string> Validate(JobSpec job, IScheduleCompiler schedules, bool checkOutputWritable = true)
    {
        var warnings = new List<string>();
        if (job.InputDir.Length == 0) throw new JobException("input_dir is empty (expected a folder of images, an image or a video file)");
        if (!Directory.Exists(job.InputDir) && !File.Exists(job.InputDir))
            throw new JobException($"input_dir: '{job.InputDir}' does not exist");
        if (job.OutputDir.Length == 0) throw new JobException("output_dir is empty");
        foreach (var parameter in JobParameters.All) parameter.CheckRange(job);
        if ((long)job.BatchSize * job.NIter > MaxImagesPerFrame)
            throw new JobException($"batch_size {job.BatchSize} x n_iter {job.NIter} is {(long)job.BatchSize * job.NIter} images per frame, " +
                $"expected at most {MaxImagesPerFrame} (they are all held to be blended)");
        var alphas = job.TemporalAlphas();
        if (alphas.Count % 2 != 1)
            throw new JobException($"temporal_superimpose_alpha_list '{job.TemporalSuperimposeAlphaList}' has {alphas.Count} weights, expected an odd number (current frame in the middle)");
        if (job.VideoPostProcessMethod == VideoPostProcessMethod.FastDvdNet)
        {
            if (!double.IsFinite(job.FastdvdnetNoiseSigma) || job.FastdvdnetNoiseSigma < 0)
                throw new JobException($"fastdvdnet_noise_sigma is {job.FastdvdnetNoiseSigma}, expected a number >= 0 (0-255 scale; the network was trained for 5..55)");
            if (!double.IsFinite(job.VideoPostProcessAlpha))
                throw new JobException($"video_post_process_alpha is {job.VideoPostProcessAlpha}, expected a number (0 keeps the frame, 1 takes the denoised one)");
            if (job.Width < 3 || job.Height < 3)
                throw new JobException($"video_post_process_method FastDVDNet needs frames of at least 3x3 pixels, the job has {job.Width}x{job.Height}");
            try { FastDvdNetWeights.Validate(job.FastdvdnetWeights); }
            catch (FastDvdNetWeightsException e) { throw new JobException(e.Message, e); }
        }
        if (job.UseMask && job.MaskDir.Length > 0 && !Directory.Exists(job.MaskDir) && !File.Exists(job.MaskDir))
            throw new JobException($"mask_dir: '{job.MaskDir}' does not exist (expected a folder of masks named like the frames, or one mask file)");
        if (job.ReferenceFramesDir.Trim().Length > 0 && job.ReferenceDirs().Count == 0)
            throw new JobException($"reference_frames_directory '{job.ReferenceFramesDir}' names no folder");
        foreach (var dir in job.ReferenceDirs())
        {
            if (!Directory.Exists(dir)) throw new JobException($"reference_frames_directory: folder '{dir}' does not exist");
            int n = Math.Min(job.MaxFrames, (ImageListing.ImagePaths(dir).Count + job.ExtractNthFrame - 1) / job.ExtractNthFrame);
            if (n < alphas.Count / 2 + 1)
                throw new JobException($"reference_frames_directory: '{dir}' has {n} usable frame(s), the temporal window of {alphas.Count} needs at least {alphas.Count / 2 + 1}");
        }
        ValidateAdapters(job);
        ValidateWebUiSettings(job);
        try { job.VideoEncoding.Validate(); }
        catch (ArgumentException e) { throw new JobException(e.Message, e); }

        var names = InputNames(job, alphas.Count);
        if (job.UseMask && Directory.Exists(job.MaskDir))
        {
            var loopNames = job.LoopN > 1 ? Enumerable.Range(0, names.Count).Select(RunFolder.FrameName) : [];
            foreach (var name in names.Concat(loopNames).Distinct())
                if (!File.Exists(Path.Combine(job.MaskDir, name)))
                    warnings.Add($"Warning: mask folder '{job.MaskDir}' has no '{name}': that frame is rendered without mask");
        }

        // Every schedule must parse and give a value of the right type at image_i = 1, loop_i = 1.
        var start = (job with { Seed = Math.Max(0, job.Seed), Subseed = Math.Max(0, job.Subseed) }).GenerationParams();
        try
        {
            new ParameterSequence(job, start, schedules, null).Next(0, 0);
        }
        catch (JobException) { throw; }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new JobException($"a schedule failed at image_i=1, loop_i=1: {e.Message}", e);
        }

        if (checkOutputWritable) CheckWritable(job.OutputDir);
        return warnings;
    }

    /// <summary>ControlNet units (files, numbers, one per reference directory) and job LoRAs (syntax, folder, names).</summary>
    private static void ValidateAdapters(JobSpec job)
    {
        foreach (var unit in job.ControlNets) unit.Validate();
        int dirs = job.ReferenceDirs().Count;
        if (dirs > 0 && job.ControlNets.Count > 0 && job.ControlNets.Count != dirs)
            throw new JobException($"{job.ControlNets.Count} ControlNet unit(s) but {dirs} reference_frames_directory folder(s): each unit takes the frames of one !!!-separated folder, in order");
        if (dirs == 0 && job.ControlNets.Count > 1)
            throw new JobException($"{job.ControlNets.Count} ControlNet units but no reference_frames_directory: without one, the input frames feed a single unit; give one folder per unit, separated by !!!");

        if (job.EmbeddingsDir is { } embeddings && !Directory.Exists(embeddings))
            throw new JobException($"embeddings_dir: folder '{embeddings}' does not exist");
        var loras = job.Loras.Select(LoraSpec.Parse).ToList();
        if (loras.Count == 0) return;
        var folder = job.LoraDir ?? JobSpec.DefaultLoraDir;
        if (!Directory.Exists(folder)) throw new JobException($"lora_dir: folder '{folder}' does not exist (loras {string.Join(", ", job.Loras)} are looked up there)");
        foreach (var lora in loras)
            if (LoraLibrary.FindFile(folder, lora.Name) is null)
                throw new JobException($"loras: '{lora.Name}' not found in '{folder}' (expected {lora.Name}.safetensors, .pt or .ckpt there or in a subfolder)");
    }

    /// <summary>Schedule type, RNG source, sampler noise, seed resize and VAE file; each message names its key.</summary>
    private static void ValidateWebUiSettings(JobSpec job)
    {
        try { Diffusion.Sampling.Scheduler.Get(job.Scheduler); }
        catch (ArgumentException e) { throw new JobException($"scheduler: {Reason(e)}", e); }
        try { Diffusion.Sampling.Noise.RandnSourceNames.Parse(job.RandnSource); }
        catch (ArgumentException e) { throw new JobException($"randn_source: {Reason(e)}", e); }
        try { Diffusion.Sampling.ModelPredictionNames.ParseOrAuto(job.Prediction); }
        catch (ArgumentException e) { throw new JobException($"prediction: {Reason(e)}", e); }
        try { job.WebUiSettings().SamplerOptions.Validate(); }
        catch (ArgumentException e) { throw new JobException(e.Message, e); }
        if (job.SeedResizeFromW > 0 && job.SeedResizeFromH > 0 && (job.SeedResizeFromW < 8 || job.SeedResizeFromH < 8))
            throw new JobException($"seed_resize_from_w/seed_resize_from_h are {job.SeedResizeFromW}x{job.SeedResizeFromH}, " +
                                   "expected at least 8 pixels each (or <= 0: off)");
        if (job.SdVae is { Length: > 0 } vae && !File.Exists(vae))
            throw new JobException($"sd_vae: '{vae}' not found (expected a standalone VAE .safetensors)");
    }

    /// <summary>The message without the " (Parameter 'name')" the runtime appends.</summary>
    private static string Reason(ArgumentException e) =>
        e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "") : e.Message;

    /// <summary>The loop-1 frame names (what a mask folder must hold); checks a video can be read and has frames.</summary>
    private static IReadOnlyList<string> InputNames(JobSpec job, int window)
    {
        int step = job.IsContinue ? 1 : job.ExtractNthFrame;
        IReadOnlyList<string> names;
        if (Directory.Exists(job.InputDir))
            names = ImageListing.ImagePaths(job.InputDir).Where((_, i) => i % step == 0).Take(job.MaxFrames).Select(p => Path.GetFileName(p)).ToList();
        else if (ImageListing.IsImage(job.InputDir))
            names = Enumerable.Repeat(Path.GetFileName(job.InputDir), job.MaxFrames).ToList();
        else
        {
            try { VideoInfo.Probe(job.InputDir); }
            catch (InvalidDataException e) { throw new JobException($"input_dir: {e.Message}", e); }
            return []; // frame count is known once decoded
        }
        if (names.Count == 0) throw new JobException($"input_dir: '{job.InputDir}' holds no images");
        if (names.Count < window / 2 + 1)
            throw new JobException($"input_dir: {names.Count} frame(s) are too few for a temporal window of {window}: at least {window / 2 + 1} are needed");
        return names;
    }

    private static void CheckWritable(string outputDir)
    {
        try
        {
            Directory.CreateDirectory(outputDir);
            var probe = Path.Combine(outputDir, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new JobException($"output_dir: cannot write to '{outputDir}': {e.Message}", e);
        }
    }
}
