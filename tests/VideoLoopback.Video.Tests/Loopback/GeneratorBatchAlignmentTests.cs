using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>
/// Frames go to the generator in batches that end at multiples of generator_batch, so a resumed render groups frames as the
/// uninterrupted one did (frames sharing a UNet batch round differently from frames run alone).
/// </summary>
[Trait("Area", "loopback")]
public sealed class GeneratorBatchAlignmentTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-batch-align-");

    private sealed class RequestSizes(IFrameGenerator inner) : IFrameGenerator
    {
        public List<int> Sizes { get; } = [];
        public string ModelName => inner.ModelName;
        public string ModelHash => inner.ModelHash;
        public void Dispose() => inner.Dispose();
        public IReadOnlyList<Tensor> Generate(GenerationRequest request, CancellationToken cancellation = default)
        {
            Sizes.Add(request.Count);
            return inner.Generate(request, cancellation);
        }
    }

    [Fact]
    public void ResumedLoopKeepsTheUninterruptedBatchBoundaries()
    {
        var job = new JobSpec
        {
            InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"), OutputDir = _temp.FullName,
            Width = 32, Height = 24, LoopN = 2, Seed = 1, Subseed = 2, GeneratorBatch = 4,
        };
        using var first = new RequestSizes(new FakeGenerator());
        var result = new LoopbackEngine(job, first, ScheduleCompilers.Default, CPU).Run(new RenderOptions { Timestamp = "run", EncodeVideos = false });
        Assert.Equal([4, 2, 4, 2], first.Sizes); // 6 frames per loop

        // As if killed after frame 3 of loop 1, in the middle of a batch: the later frames and loop 2 are gone.
        var frames = Path.Combine(result.RunDirectory, "output_frames");
        for (int i = 3; i < 6; i++) File.Delete(Path.Combine(frames, "loop_1", $"{i:D7}.png"));
        Directory.Delete(Path.Combine(frames, "loop_2"), recursive: true);

        using var resumed = new RequestSizes(new FakeGenerator());
        new LoopbackEngine(job, resumed, ScheduleCompilers.Default, CPU).Run(new RenderOptions { Timestamp = "run", EncodeVideos = false, Resume = true });
        Assert.Equal([1, 2, 4, 2], resumed.Sizes); // frame 3 alone up to the boundary at 4, then as before
    }

    /// <summary>Cancels the render on its second call and gives up mid-batch, as a generator honouring the token does.</summary>
    private sealed class CancelOnSecondCall(IFrameGenerator inner, CancellationTokenSource cancel) : IFrameGenerator
    {
        private int _calls;
        public string ModelName => inner.ModelName;
        public string ModelHash => inner.ModelHash;
        public void Dispose() => inner.Dispose();
        public IReadOnlyList<Tensor> Generate(GenerationRequest request, CancellationToken cancellation = default)
        {
            if (++_calls == 2)
            {
                cancel.Cancel();
                cancellation.ThrowIfCancellationRequested();
            }
            return inner.Generate(request, cancellation);
        }
    }

    [Fact]
    public void AGeneratorGivingUpOnCancellationStopsTheRenderKeepingFinishedFrames()
    {
        var job = new JobSpec
        {
            InputDir = GoldenData.Path("loopback", "inputs", "seq_rgb"), OutputDir = _temp.FullName,
            Width = 32, Height = 24, LoopN = 2, Seed = 1, Subseed = 2, GeneratorBatch = 4,
        };
        using var cancel = new CancellationTokenSource();
        using var generator = new CancelOnSecondCall(new FakeGenerator(), cancel);
        var engine = new LoopbackEngine(job, generator, ScheduleCompilers.Default, CPU);
        var result = engine.Run(new RenderOptions { Timestamp = "run", EncodeVideos = false }, cancel.Token);
        Assert.True(result.Interrupted, "the render did not report the stop");
        Assert.Equal(4, result.FramesRendered);
        Assert.Equal(4, Directory.GetFiles(Path.Combine(result.RunDirectory, "output_frames", "loop_1"), "*.png").Length);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
