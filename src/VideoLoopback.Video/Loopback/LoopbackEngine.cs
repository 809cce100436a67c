using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.FastDvdNet;
using VideoLoopback.Video.Ffmpeg;
using VideoLoopback.Video.Generation;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The video loopback: loop_n loops over all frames, loop-major like the original. Each frame's init image is the
/// temporal blend of this loop's input frames; the generated images are batch-blended and superimposed on the
/// frame; the result is the next loop's input. Frames of a loop are independent, so they go to the generator in
/// batches; the results equal one call per frame. With video_post_process_method FastDVDNet, each finished loop is
/// denoised as a whole and blended onto itself, like the original's post-process that rewrites the loop's folder: the
/// blended frames are the saved ones, the loop's video and the next loop's input.
/// </summary>
public sealed class LoopbackEngine(JobSpec job, IFrameGenerator generator, IScheduleCompiler schedules, Device device)
{
    /// <summary>One frame planned for generation.</summary>
    private sealed record PlannedFrame(int Index, SourceFrame Current, FrameSettings Settings, Tensor InitImage, Tensor? Mask, IReadOnlyList<Tensor> Controls);

    public RenderResult Run(RenderOptions options, CancellationToken cancellation = default)
    {
        var timestamp = options.Timestamp ?? RenderOptions.Now();
        var runDir = Path.Combine(job.OutputDir, timestamp);
        var framesDir = Path.Combine(runDir, "output_frames");
        var start = StartParams(options.Resume);
        using var inputs = new FrameStore(FrameSource.Load(job, device));
        int frameCount = inputs.Count;
        if (frameCount == 0) throw new JobException($"input_dir: '{job.InputDir}' has no image frames");
        var alphas = job.TemporalAlphas();
        var referenceDirs = job.ReferenceDirs();
        var ownedReferences = referenceDirs.Select(d => new FrameStore(FrameSource.LoadReference(d, job, device))).ToList();
        try
        {
            CheckReferenceLengths(referenceDirs, ownedReferences, frameCount, options);
            if (options.Resume)
            {
                if (!Directory.Exists(framesDir)) throw new JobException($"--resume: '{framesDir}' does not exist; nothing to resume");
            }
            else
            {
                Directory.CreateDirectory(framesDir);
                File.WriteAllText(Path.Combine(runDir, timestamp + ".json"), JobFile.Settings(job, timestamp, start, generator.ModelName, generator.ModelHash));
            }

            // Loaded once per render; the frames stay on the device.
            using var postProcess = job.VideoPostProcessMethod == VideoPostProcessMethods.FastDvdNet
                ? FastDvdNetPostProcess.Load(job.FastdvdnetWeights, device)
                : null;
            var references = referenceDirs.Count == 0 ? [inputs] : ownedReferences;
            if (job.UsesDifferenceMask && references.Count == 0)
                throw new JobException("temporal_superimpose_method: 'with difference mask from reference' needs a reference_frames_directory");
            var referenceWindows = references.Select(r => new TemporalWindow(r.Count, alphas.Count)).ToList();
            var promptFiles = job.ReadPromptFromTxt
                ? inputs.Frames.Select(f => f.Path is null ? ((string?)null, (string?)null) : PromptFiles.ForFrame(f.Path)).ToList()
                : null;
            var sequence = new ParameterSequence(job, start, schedules, promptFiles);
            using var masks = new MaskSource(job, device) { Warn = options.Warn };
            using var writer = new CheckpointWriter();
            var (resumeLoop, resumeFrame) = options.Resume ? ResumePoint(framesDir, frameCount, job.LoopN) : (0, 0);
            var audio = FrameSource.IsVideo(job.InputDir) && VideoInfo.Probe(job.InputDir).HasAudio ? job.InputDir : null;
            var videos = new List<string>();
            var clock = System.Diagnostics.Stopwatch.StartNew();
            long total = (long)job.LoopN * frameCount, rendered = 0;

            FrameStore current = inputs;
            try
            {
                for (int loop = 0; loop < job.LoopN; loop++)
                {
                    var loopDir = Path.Combine(framesDir, $"loop_{loop + 1}");
                    if (loop < resumeLoop)
                    {
                        // Finished before: replay the parameters (seed progression, schedules) without pixels.
                        for (int i = 0; i < frameCount; i++) sequence.Next(i, loop);
                        if (loop == resumeLoop - 1 || (job.SaveEveryLoop && options.EncodeVideos && !File.Exists(LoopVideo(runDir, timestamp, loop))))
                        {
                            var finished = new FrameStore(LoadLoopOutputs(loopDir, frameCount));
                            if (job.SaveEveryLoop && options.EncodeVideos && !File.Exists(LoopVideo(runDir, timestamp, loop)))
                                Encode(finished, LoopVideo(runDir, timestamp, loop), audio, options, videos);
                            if (loop == resumeLoop - 1) Replace(ref current, finished, inputs);
                            else finished.Dispose();
                        }
                        continue;
                    }
                    if (cancellation.IsCancellationRequested) return Stop(writer, runDir, timestamp, videos, rendered);
                    Directory.CreateDirectory(loopDir);
                    int skip = loop == resumeLoop ? resumeFrame : 0;
                    var outputs = RenderLoop(loop, current, references, referenceWindows, alphas, sequence, masks, writer, loopDir,
                        skip, options, clock, total, ref rendered, cancellation);
                    if (outputs is null) return Stop(writer, runDir, timestamp, videos, rendered);
                    if (postProcess is not null) outputs = PostProcess(postProcess, outputs, start.Seed, loop, writer);
                    Replace(ref current, new FrameStore(outputs), inputs);
                    if (job.SaveEveryLoop && options.EncodeVideos)
                        Encode(current, LoopVideo(runDir, timestamp, loop), audio, options, videos);
                    foreach (var w in referenceWindows) w.Reset();
                }
                if (options.EncodeVideos)
                    Encode(current, Path.Combine(runDir, $"{timestamp}.mp4"), audio, options, videos);
                writer.Complete();
                return new RenderResult(runDir, timestamp, false, videos, rendered);
            }
            finally
            {
                if (!ReferenceEquals(current, inputs)) current.Dispose();
            }
        }
        finally
        {
            foreach (var r in ownedReferences) r.Dispose();
        }
    }

    /// <summary>
    /// FastDVDNet over the loop's frames; the results replace the frames and their files (queued after the unprocessed
    /// ones, so they land last). The noise comes from a generator seeded by (seed, loop): a loop draws the same noise
    /// whether the render ran straight through or resumed.
    /// </summary>
    private List<SourceFrame> PostProcess(FastDvdNetPostProcess postProcess, List<SourceFrame> frames, long seed, int loop, CheckpointWriter writer)
    {
        var channels = frames[0].Pixels.shape[0];
        if (frames.Any(f => f.Pixels.shape[0] != channels))
            throw new JobException("video_post_process_method FastDVDNet: the loop's frames mix RGB and RGBA; expected one kind");
        var processed = new List<SourceFrame>(frames.Count);
        try
        {
            using (var scope = NewDisposeScope())
            {
                using var noise = new Generator(LoopNoiseSeed(seed, loop), device);
                // [N,C,H,W] uint8
                var result = postProcess.Apply(stack(frames.Select(f => f.Pixels).ToArray()), job.FastdvdnetNoiseSigma, job.VideoPostProcessAlpha, noise);
                for (int i = 0; i < frames.Count; i++)
                {
                    var pixels = result[i].clone();
                    pixels.DetachFromDisposeScope();
                    processed.Add(frames[i] with { Pixels = pixels });
                    writer.Enqueue(frames[i].Path!, pixels);
                }
            }
            DisposeAll(frames);
            return processed;
        }
        catch
        {
            DisposeAll(processed);
            DisposeAll(frames);
            throw;
        }
    }

    /// <summary>The post-process noise seed of a loop: the render's start seed mixed with the 0-based loop index.</summary>
    public static ulong LoopNoiseSeed(long seed, int loop) => unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)loop + 1);

    private static RenderResult Stop(CheckpointWriter writer, string runDir, string timestamp, List<string> videos, long rendered)
    {
        writer.Complete();
        return new RenderResult(runDir, timestamp, true, videos, rendered);
    }

    private static void Replace(ref FrameStore current, FrameStore next, FrameStore inputs)
    {
        if (!ReferenceEquals(current, inputs)) current.Dispose();
        current = next;
    }

    private static string LoopVideo(string runDir, string timestamp, int loop) => Path.Combine(runDir, $"{timestamp}-loop_{loop + 1}.mp4");

    /// <summary>Renders one loop; returns its output frames, or null when cancelled (after the batch in flight).</summary>
    private List<SourceFrame>? RenderLoop(int loop, FrameStore frames, IReadOnlyList<FrameStore> references,
        IReadOnlyList<TemporalWindow> referenceWindows, IReadOnlyList<double> startAlphas, ParameterSequence sequence,
        MaskSource masks, CheckpointWriter writer, string loopDir, int skip, RenderOptions options,
        System.Diagnostics.Stopwatch clock, long total, ref long rendered, CancellationToken cancellation)
    {
        int count = frames.Count;
        var window = new TemporalWindow(count, startAlphas.Count);
        var outputs = new List<SourceFrame>(count);
        try
        {
            int i = 0;
            for (; i < skip; i++)
            {
                sequence.Next(i, loop);
                window.MoveNext();
                foreach (var w in referenceWindows) w.MoveNext();
            }
            if (skip > 0) outputs.AddRange(LoadLoopOutputs(loopDir, skip));

            int batchSize = Math.Max(1, job.GeneratorBatch);
            while (i < count)
            {
                if (cancellation.IsCancellationRequested) { DisposeAll(outputs); return null; }
                using var scope = NewDisposeScope();
                var batch = new List<PlannedFrame>();
                // Batches end at multiples of the batch size, so a run resumed after a stop groups frames as the
                // uninterrupted run did (a shared UNet batch rounds differently from a lone frame).
                while (i < count && (batch.Count == 0 || i % batchSize != 0))
                {
                    batch.Add(Plan(i, loop, frames, window, references, referenceWindows, sequence, masks));
                    window.MoveNext();
                    foreach (var w in referenceWindows) w.MoveNext();
                    i++;
                }
                List<(int Index, Tensor Pixels)> generated;
                try
                {
                    generated = Generate(batch, cancellation);
                }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
                {
                    // A generator may give up mid-batch on Ctrl-C: that batch is dropped, every finished frame is kept.
                    DisposeAll(outputs);
                    return null;
                }
                foreach (var result in generated)
                {
                    var path = Path.Combine(loopDir, $"{result.Index:D7}.png");
                    writer.Enqueue(path, result.Pixels);
                    result.Pixels.DetachFromDisposeScope();
                    outputs.Add(new SourceFrame(result.Pixels, $"{result.Index:D7}.png", path));
                    rendered++;
                    options.Progress?.Report(new RenderProgress(loop + 1, job.LoopN, result.Index + 1, count,
                        (long)loop * count + result.Index + 1, total, clock.Elapsed, rendered));
                }
            }
            return outputs;
        }
        catch
        {
            DisposeAll(outputs);
            throw;
        }
    }

    /// <summary>
    /// A reference folder shorter than the input repeats its last frame, as the original does. Fed to a ControlNet that freezes
    /// the control for the rest of the video, which is almost never meant: an error then, a warning otherwise.
    /// </summary>
    private void CheckReferenceLengths(IReadOnlyList<string> dirs, IReadOnlyList<FrameStore> references, int frameCount, RenderOptions options)
    {
        for (int q = 0; q < dirs.Count; q++)
        {
            if (references[q].Count >= frameCount) continue;
            if (job.ControlNets.Count > 0)
                throw new JobException($"reference_frames_directory: '{dirs[q]}' has {references[q].Count} usable frame(s) but the input has {frameCount}; ControlNet {q + 1} needs a control image for every frame");
            options.Warn($"Warning: reference_frames_directory '{dirs[q]}' has {references[q].Count} usable frame(s) for {frameCount} input frames: its last frame is repeated");
        }
    }

    private static void DisposeAll(List<SourceFrame> frames)
    {
        foreach (var f in frames) f.Pixels.Dispose();
    }

    private PlannedFrame Plan(int index, int loop, FrameStore frames, TemporalWindow window, IReadOnlyList<FrameStore> references,
        IReadOnlyList<TemporalWindow> referenceWindows, ParameterSequence sequence, MaskSource masks)
    {
        var settings = sequence.Next(index, loop);
        var current = frames[window.CurrentFrame];
        var mask = masks.For(current);
        var init = job.UsesDifferenceMask
            ? TemporalBlend.WithDifferenceMask(frames, window, references[0], referenceWindows[0], settings.TemporalAlphas, mask)
            : TemporalBlend.Simple(frames, window, settings.TemporalAlphas, mask);
        var controls = references.Select((r, q) => r[referenceWindows[q].CurrentFrame].Pixels).ToList();
        return new PlannedFrame(index, current, settings, init, mask, controls);
    }

    /// <summary>Generates a batch, split into runs of init images of one shape (RGB and RGBA frames can alternate).</summary>
    private List<(int Index, Tensor Pixels)> Generate(List<PlannedFrame> batch, CancellationToken cancellation)
    {
        var results = new List<(int, Tensor)>(batch.Count);
        for (int s = 0; s < batch.Count;)
        {
            int e = s + 1;
            while (e < batch.Count && batch[e].InitImage.shape.SequenceEqual(batch[s].InitImage.shape)) e++;
            results.AddRange(GenerateSameShape(batch.GetRange(s, e - s), cancellation));
            s = e;
        }
        return results;
    }

    private List<(int Index, Tensor Pixels)> GenerateSameShape(List<PlannedFrame> batch, CancellationToken cancellation)
    {
        var request = new GenerationRequest(stack(batch.Select(b => b.InitImage).ToArray()),
            batch.Select(b => b.Settings.Generation).ToList(), batch.Select(b => b.Mask).ToList(),
            batch.Select(b => b.Controls).ToList());
        var images = generator.Generate(request, cancellation);
        var results = new List<(int, Tensor)>(batch.Count);
        for (int j = 0; j < batch.Count; j++)
        {
            using var generated = images[j];
            var plan = batch[j];
            var output = BatchBlend.Apply(generated, plan.Current.Pixels, plan.Settings.SuperimposeAlpha, plan.Mask, job);
            if (plan.Settings.PostProcessing is { } post) output = post(output);
            // The original stores the mask as the frame's alpha when the mask comes from the alpha channel.
            if (job.UseMask && job.MaskDir.Length == 0 && plan.Mask is not null) output = ImageConvert.PutAlpha(output, plan.Mask);
            results.Add((plan.Index, output));
        }
        return results;
    }

    private void Encode(FrameStore frames, string path, string? audio, RenderOptions options, List<string> videos)
    {
        if (job.Width % 2 != 0 || job.Height % 2 != 0)
        {
            options.Warn($"Warning: no video for {job.Width}x{job.Height} frames: H.264 yuv420p needs an even width and height ({path})");
            return;
        }
        int channels = (int)frames[0].Pixels.shape[0] == 4 ? 4 : 3;
        using var encoder = new VideoEncoder(path, job.Width, job.Height, channels, job.OutputFrameRate, audio, frames.Count);
        foreach (var f in frames.Frames)
        {
            using var converted = FrameModes.Convert(f.Pixels, channels);
            encoder.Write(converted);
        }
        encoder.Finish();
        videos.Add(path);
    }

    /// <summary>WebUI's p at the start of the run; fix_seed turns -1 into a random seed (a resumed run has them fixed).</summary>
    private FrameGenerationParams StartParams(bool resume)
    {
        if (resume && (job.Seed == -1 || job.Subseed == -1))
            throw new JobException("--resume: the run's settings hold no fixed seed and subseed");
        static long Fix(long seed) => seed == -1 ? Random.Shared.NextInt64(4294967294) : seed;
        return new FrameGenerationParams
        {
            Prompt = job.Prompt,
            NegativePrompt = job.NegativePrompt,
            Seed = Fix(job.Seed),
            Subseed = Fix(job.Subseed),
            SubseedStrength = job.SubseedStrength,
            CfgScale = job.CfgScale,
            Steps = job.Steps,
            DenoisingStrength = job.DenoisingStrength,
            BatchSize = job.BatchSize,
            BatchCount = job.NIter,
            Width = job.Width,
            Height = job.Height,
            ResizeMode = job.ResizeMode,
            SamplerName = job.SamplerName,
            ClipSkip = job.ClipSkip,
        };
    }

    /// <summary>The first loop (0-based) with frames missing and how many of its frames are finished (a complete prefix).</summary>
    public static (int Loop, int Frame) ResumePoint(string framesDir, int frameCount, int loopCount)
    {
        for (int loop = 0; loop < loopCount; loop++)
        {
            var dir = Path.Combine(framesDir, $"loop_{loop + 1}");
            int done = 0;
            while (done < frameCount && File.Exists(Path.Combine(dir, $"{done:D7}.png"))) done++;
            if (done < frameCount) return (loop, done);
        }
        return (loopCount, 0);
    }

    private List<SourceFrame> LoadLoopOutputs(string loopDir, int count) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var path = Path.Combine(loopDir, $"{i:D7}.png");
            var pixels = ImageFile.Read(path, device).Image;
            pixels.DetachFromDisposeScope();
            return new SourceFrame(pixels, $"{i:D7}.png", path);
        }).ToList();
}
