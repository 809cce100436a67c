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
        var started = WithStartSeeds(options.Resume);
        var memory = FrameMemoryPlan.For(job, device);
        using var inputs = new FrameStore(FrameSource.Load(job, device), memory);
        if (inputs.Count == 0) throw new JobException($"input_dir: '{job.InputDir}' has no image frames");
        ParameterSequence.CheckEveryFrame(job, started.GenerationParams(), schedules, inputs.Count);
        var referenceDirs = job.ReferenceDirs();
        var ownedReferences = referenceDirs.Select(d => new FrameStore(FrameSource.LoadReference(d, job, device), memory)).ToList();
        try
        {
            CheckReferenceLengths(referenceDirs, ownedReferences, inputs.Count, options);
            options.Warn(FrameMemoryEstimate.For(job, inputs, ownedReferences, memory).Describe());
            var (run, record) = options.Resume ? ResumeRun(timestamp, options) : StartRun(started, timestamp, options);

            // Loaded once per render; the frames stay on the device.
            using var postProcess = job.VideoPostProcessMethod == VideoPostProcessMethod.FastDvdNet
                ? FastDvdNetPostProcess.Load(job.FastdvdnetWeights, device)
                : null;
            var references = referenceDirs.Count == 0 ? [inputs] : ownedReferences;
            if (job.UsesDifferenceMask && references.Count == 0)
                throw new JobException("temporal_superimpose_method: 'with difference mask from reference' needs a reference_frames_directory");
            var promptFiles = job.ReadPromptFromTxt
                ? inputs.Frames.Select(f => f.Path is null ? ((string?)null, (string?)null) : PromptFiles.ForFrame(f.Path)).ToList()
                : null;
            using var masks = new MaskSource(job, device) { Warn = options.Warn };
            using var state = new LoopState(job, inputs, references, options)
            {
                Sequence = new ParameterSequence(job, started.GenerationParams(), schedules, promptFiles),
                Masks = masks,
                Memory = memory,
            };
            return RenderLoops(run, record, state, postProcess, started.Seed, cancellation);
        }
        finally
        {
            foreach (var r in ownedReferences) r.Dispose();
        }
    }

    /// <summary>A new run folder of its own, its settings JSON (the original's format) and its resume record.</summary>
    private (RunFolder, ResumeRecord?) StartRun(JobSpec started, string timestamp, RenderOptions options)
    {
        var run = options.Run ?? RunFolder.Claim(job.OutputDir, timestamp);
        Directory.CreateDirectory(run.FramesDirectory);
        File.WriteAllText(run.SettingsFile, JobFile.Settings(started, run.Timestamp, generator.ModelName, generator.ModelHash));
        var record = ResumeRecord.Start(started, options.Generator, options.Dtype, generator.ModelName, generator.ModelHash);
        record.Save(run);
        return (run, record);
    }

    /// <summary>The run folder to continue and its record (null for a folder made before records: it resumes as it always did).</summary>
    private (RunFolder, ResumeRecord?) ResumeRun(string timestamp, RenderOptions options)
    {
        var run = RunFolder.For(job.OutputDir, timestamp);
        if (!Directory.Exists(run.FramesDirectory)) throw new JobException($"--resume: '{run.FramesDirectory}' does not exist; nothing to resume");
        var record = ResumeRecord.Read(run);
        if (record is null) return (run, null);
        record.CheckUnchanged(generator.ModelHash, options.Warn);
        // Options that extend the run (more loops, ...) are the run's from now on.
        record.Job = ResumeRecord.Absolute(job);
        record.Save(run);
        return (run, record);
    }

    private RenderResult RenderLoops(RunFolder run, ResumeRecord? record, LoopState state, FastDvdNetPostProcess? postProcess, long seed,
        CancellationToken cancellation)
    {
        int frameCount = state.Inputs.Count;
        var (resumeLoop, resumeFrame) = !state.Options.Resume ? (0, 0)
            : record is null ? run.ResumePoint(frameCount, job.LoopN)
            : run.ResumePoint(frameCount, job.LoopN, record.LoopsFinished, postProcess is not null);
        var audio = SourceAudio(frameCount);
        bool loopVideos = job.SaveEveryLoop && state.Options.EncodeVideos;
        for (int loop = 0; loop < job.LoopN; loop++)
        {
            if (loop < resumeLoop)
            {
                // Finished before: replay the parameters (seed progression, schedules) without pixels.
                for (int i = 0; i < frameCount; i++) state.Sequence.Next(i, loop);
                bool videoMissing = loopVideos && !VideoFinished(record, VideoPath(run.LoopVideo(loop)));
                if (loop == resumeLoop - 1 || videoMissing)
                {
                    var finished = new FrameStore(run.ReadLoopOutputs(loop, frameCount, device));
                    if (videoMissing) EncodeLoopVideo(run, record, state, finished, loop, audio);
                    if (loop == resumeLoop - 1) state.Replace(finished);
                    else finished.Dispose();
                }
                continue;
            }
            if (cancellation.IsCancellationRequested) return Stop(run, state);
            Directory.CreateDirectory(run.LoopDirectory(loop));
            var outputs = RenderLoop(run, state, loop, loop == resumeLoop ? resumeFrame : 0, cancellation);
            if (outputs is null) return Stop(run, state);
            if (postProcess is not null)
                outputs = state.NewStore(PostProcess(postProcess, outputs.Release(), LoopNoiseSeed(seed, loop), state.Writer));
            state.Replace(outputs);
            // Final only once every frame, post-processed, is on disk: a kill before leaves the loop to be rendered again.
            state.Writer.Flush();
            if (record is not null) UpdateRecord(run, record, r => r.LoopsFinished = loop + 1);
            // Encoded in the background while the next loop renders.
            if (loopVideos) EncodeLoopVideo(run, record, state, state.Current, loop, audio);
        }
        if (state.Options.EncodeVideos) Encode(state, state.Current, VideoPath(run.FinalVideo), audio, null);
        state.Writer.Complete();
        state.VideoQueue.Complete();
        return new RenderResult(run.Directory, run.Timestamp, false, state.Videos, state.FramesRendered);
    }

    /// <summary>
    /// FastDVDNet over the loop's frames; the results replace the frames and their files (queued after the unprocessed
    /// ones, so they land last). The noise comes from a generator seeded by <paramref name="noiseSeed"/>
    /// (<see cref="LoopNoiseSeed"/>): a loop draws the same noise whether the render ran straight through or resumed.
    /// </summary>
    private List<SourceFrame> PostProcess(FastDvdNetPostProcess postProcess, List<SourceFrame> frames, ulong noiseSeed, CheckpointWriter writer)
    {
        var channels = frames[0].Pixels.shape[0];
        if (frames.Any(f => f.Pixels.shape[0] != channels))
            throw new JobException("video_post_process_method FastDVDNet: the loop's frames mix RGB and RGBA; expected one kind");
        var processed = new List<SourceFrame>(frames.Count);
        try
        {
            using (var scope = NewDisposeScope())
            {
                using var noise = new Generator(noiseSeed, device);
                // [N,C,H,W] uint8
                var result = postProcess.Apply(stack(frames.Select(f => f.Pixels).ToArray()), job.FastdvdnetNoiseSigma, job.VideoPostProcessAlpha, noise);
                for (int i = 0; i < frames.Count; i++)
                {
                    var pixels = result[i].clone();
                    pixels.DetachFromDisposeScope();
                    processed.Add(frames[i] with { Pixels = pixels });
                }
                writer.Enqueue(processed.Select(f => (f.Path!, f.Pixels)).ToList());
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

    /// <summary>A loop video counts as written when the record says so (a half-written file may be there); without one, when it exists.</summary>
    private static bool VideoFinished(ResumeRecord? record, string path) =>
        File.Exists(path) && (record is null || Listed(record, Path.GetFileName(path)));

    private static bool Listed(ResumeRecord record, string video)
    {
        lock (record) return record.VideosFinished.Contains(video);
    }

    /// <summary>Queues the loop's video; the record lists it once it is written whole.</summary>
    private void EncodeLoopVideo(RunFolder run, ResumeRecord? record, LoopState state, FrameStore frames, int loop, AudioSpan? audio)
    {
        var path = VideoPath(run.LoopVideo(loop));
        Encode(state, frames, path, audio, record is null ? null : () => UpdateRecord(run, record, r => r.VideosFinished.Add(Path.GetFileName(path))));
    }

    /// <summary>Changes and saves the record; the video queue's thread records videos while the render thread records loops.</summary>
    private static void UpdateRecord(RunFolder run, ResumeRecord record, Action<ResumeRecord> change)
    {
        lock (record)
        {
            change(record);
            record.Save(run);
        }
    }

    /// <summary>The post-process noise seed of a loop: the render's start seed mixed with the 0-based loop index.</summary>
    public static ulong LoopNoiseSeed(long seed, int loop) => unchecked((ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)loop + 1);

    private static RenderResult Stop(RunFolder run, LoopState state)
    {
        state.Writer.Complete();
        state.VideoQueue.Complete();
        return new RenderResult(run.Directory, run.Timestamp, true, state.Videos, state.FramesRendered);
    }

    /// <summary>
    /// Renders one loop from frame <paramref name="skip"/> on (the earlier ones are read back from the run folder); returns
    /// its output frames, or null when cancelled (after the batch in flight).
    /// </summary>
    private FrameStore? RenderLoop(RunFolder run, LoopState state, int loop, int skip, CancellationToken cancellation)
    {
        int count = state.Current.Count;
        state.StartLoop();
        var outputs = state.NewStore([]);
        try
        {
            int i = 0;
            for (; i < skip; i++)
            {
                state.Sequence.Next(i, loop);
                state.MoveNext();
            }
            if (skip > 0) outputs.AddRange(run.ReadLoopOutputs(loop, skip, device));

            int batchSize = Math.Max(1, job.GeneratorBatch);
            while (i < count)
            {
                if (cancellation.IsCancellationRequested) { outputs.Dispose(); return null; }
                // A failed background write or encoding stops the render here, at the next batch.
                state.Writer.ThrowIfFailed();
                state.VideoQueue.ThrowIfFailed();
                using var scope = NewDisposeScope();
                var batch = new List<PlannedFrame>();
                // Batches end at multiples of the batch size, so a run resumed after a stop groups frames as the
                // uninterrupted run did (a shared UNet batch rounds differently from a lone frame).
                while (i < count && (batch.Count == 0 || i % batchSize != 0))
                {
                    batch.Add(Plan(state, i, loop));
                    state.MoveNext();
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
                    outputs.Dispose();
                    return null;
                }
                // One batch of device-to-host copies for the whole batch, not waited for here.
                state.Writer.Enqueue(generated.Select(r => (run.FramePath(loop, r.Index), r.Pixels)).ToList());
                foreach (var result in generated)
                {
                    var path = run.FramePath(loop, result.Index);
                    result.Pixels.DetachFromDisposeScope();
                    outputs.Add(new SourceFrame(result.Pixels, RunFolder.FrameName(result.Index), path));
                    state.FrameRendered(loop, result.Index);
                }
            }
            return outputs;
        }
        catch
        {
            outputs.Dispose();
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

    private PlannedFrame Plan(LoopState state, int index, int loop)
    {
        var settings = state.Sequence.Next(index, loop);
        var frames = state.Current;
        var window = state.Window;
        var current = frames[window.CurrentFrame];
        var mask = state.Masks.For(current);
        var init = job.UsesDifferenceMask
            ? TemporalBlend.WithDifferenceMask(frames, window, state.References[0], state.ReferenceWindows[0], settings.TemporalAlphas, mask)
            : TemporalBlend.Simple(frames, window, settings.TemporalAlphas, mask);
        var controls = state.References.Select((r, q) => r[state.ReferenceWindows[q].CurrentFrame].Pixels).ToList();
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

    /// <summary>The input video's audio under the rendered frames (every extract_nth_frame-th, at most max_frames), or null.</summary>
    private AudioSpan? SourceAudio(int frameCount)
    {
        if (!FrameSource.IsVideo(job.InputDir)) return null;
        var info = VideoInfo.Probe(job.InputDir);
        int step = job.IsContinue ? 1 : job.ExtractNthFrame;
        return info.HasAudio ? AudioSpan.For(job.InputDir, info.FrameRate, frameCount, step, job.OutputFrameRate) : null;
    }

    /// <summary>A run folder's video path (<c>.mp4</c>) with the extension of the job's encoding.</summary>
    private string VideoPath(string mp4) => Path.ChangeExtension(mp4, job.VideoEncoding.Extension);

    /// <summary>
    /// Queues the frames' video for the background encoder (<paramref name="written"/> runs once it is written whole); warns
    /// instead when the size does not allow one.
    /// </summary>
    private void Encode(LoopState state, FrameStore frames, string path, AudioSpan? audio, Action? written)
    {
        int channels = (int)frames[0].Pixels.shape[0] == 4 ? 4 : 3;
        var encoding = job.VideoEncoding;
        if (encoding.NeedsEvenSize(channels) && (job.Width % 2 != 0 || job.Height % 2 != 0))
        {
            state.Options.Warn($"Warning: no video for {job.Width}x{job.Height} frames: {encoding.Describe(channels)} needs an even width and height ({path})");
            return;
        }
        int count = frames.Count;
        state.VideoQueue.Enqueue(frames.Frames.Select(f => f.Pixels), channels,
            () => new VideoEncoder(path, job.Width, job.Height, channels, job.OutputFrameRate, audio, count, encoding),
            () =>
            {
                state.VideoWritten(path);
                written?.Invoke();
            });
    }

    /// <summary>The job as the render starts it: fix_seed turns a seed of -1 into a random one (a resumed run has them fixed).</summary>
    private JobSpec WithStartSeeds(bool resume)
    {
        if (resume && (job.Seed == -1 || job.Subseed == -1))
            throw new JobException("--resume: the run's settings hold no fixed seed and subseed");
        static long Fix(long seed) => seed == -1 ? Random.Shared.NextInt64(4294967294) : seed;
        return job with { Seed = Fix(job.Seed), Subseed = Fix(job.Subseed) };
    }
}
