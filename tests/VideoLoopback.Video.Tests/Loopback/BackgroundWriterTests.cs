using System.Threading.Channels;
using VideoLoopback.Video.Ffmpeg;
using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Loopback;
using VideoLoopback.Video.Tests.Ffmpeg;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>
/// The render's background writers: frames queued in batches land in queue order with exactly the PNG the frame encodes to;
/// videos are encoded one after another in queue order, each reported only once it is whole; a failure in either surfaces
/// as itself on the caller's thread, and after it nothing waits forever.
/// </summary>
[Trait("Area", "loopback")]
public sealed class BackgroundWriterTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-background-");

    private static Tensor Frame(int seed, int channels)
    {
        using var g = new Generator((ulong)seed);
        return randint(0, 256, [channels, 12, 10], ScalarType.Byte, generator: g);
    }

    [Fact]
    public void BatchesLandInQueueOrderBitExact()
    {
        var folder = Path.Combine(_temp.FullName, "frames");
        // 45 frames over 5 names, in batches of 1, 7 and 37 (past a chunk): each file must end as the last frame queued for it.
        var frames = Enumerable.Range(0, 45).Select(i => Frame(i, i % 3 == 0 ? 4 : 3)).ToList();
        try
        {
            using (var writer = new CheckpointWriter())
            {
                string PathOf(int i) => Path.Combine(folder, $"{i % 5:D7}.png");
                writer.Enqueue(PathOf(0), frames[0]);
                writer.Enqueue(Enumerable.Range(1, 7).Select(i => (PathOf(i), frames[i])).ToList());
                writer.Enqueue(Enumerable.Range(8, 37).Select(i => (PathOf(i), frames[i])).ToList());
                writer.Complete();
            }
            Assert.Equal(5, Directory.GetFiles(folder).Length);
            for (int name = 0; name < 5; name++)
            {
                int last = 40 + name;
                var written = File.ReadAllBytes(Path.Combine(folder, $"{name:D7}.png"));
                Assert.True(written.AsSpan().SequenceEqual(ImageFile.EncodePng(frames[last])),
                    $"{name:D7}.png is not the PNG of frame {last}, the last queued for it");
            }
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    [Fact]
    public void FramesChangedAfterQueueingAreWrittenAsQueued()
    {
        var path = Path.Combine(_temp.FullName, "frame.png");
        using var frame = Frame(1, 3);
        var expected = ImageFile.EncodePng(frame);
        using (var writer = new CheckpointWriter())
        {
            writer.Enqueue([(path, frame)]);
            frame.fill_(7);
            writer.Complete();
        }
        Assert.True(File.ReadAllBytes(path).AsSpan().SequenceEqual(expected), "the writer read the frame after it was queued");
    }

    private static Func<VideoEncoder> Encoder(string path, int frames, VideoEncoding? encoding = null) =>
        () => new VideoEncoder(path, 10, 12, 3, 10, null, frames, encoding);

    [Fact]
    public void VideosAreWrittenInQueueOrderAndReportedWhenWhole()
    {
        var frames = Enumerable.Range(0, 20).Select(i => Frame(i, i % 2 == 0 ? 4 : 3)).ToList();
        var reported = new List<string>();
        try
        {
            using var queue = new VideoQueue();
            foreach (var name in new[] { "a.mkv", "b.mkv", "c.mkv" })
            {
                var path = Path.Combine(_temp.FullName, name);
                // RGBA frames converted to RGB on the encoder's thread; 20 frames span two parts.
                queue.Enqueue(frames, 3, Encoder(path, frames.Count, VideoEncoding.Default with { Lossless = true }), () =>
                {
                    Assert.True(VideoInfo.IsComplete(path, frames.Count), $"{name} reported before it was whole");
                    lock (reported) reported.Add(name);
                });
            }
            queue.Complete();
            Assert.Equal(["a.mkv", "b.mkv", "c.mkv"], reported);
            Assert.Equal(20, FfmpegTestMedia.FrameCount(Path.Combine(_temp.FullName, "c.mkv")));
            Assert.Equal(["a.mkv", "b.mkv", "c.mkv"], Directory.GetFiles(_temp.FullName).Select(Path.GetFileName).Order());
        }
        finally
        {
            foreach (var f in frames) f.Dispose();
        }
    }

    [Fact]
    public void VideoFailureSurfacesAsItselfAndLeavesNoFile()
    {
        using var frame = Frame(3, 3);
        var bad = VideoEncoding.Default with { PixelFormat = "no_such_format" };
        bool reported = false;
        using var queue = new VideoQueue();
        queue.Enqueue([frame, frame, frame], 3, Encoder(Path.Combine(_temp.FullName, "bad.mp4"), 3, bad), () => reported = true);
        var e = Assert.ThrowsAny<Exception>(queue.Complete);
        Assert.True(e is IOException or InvalidOperationException, e.ToString());
        Assert.Contains("bad.mp4", e.Message);
        Assert.False(reported, "a failed video was reported written");
        Assert.Empty(Directory.GetFiles(_temp.FullName));
        // Later calls fail with the same error instead of waiting on a queue nobody reads.
        Assert.Equal(e.Message, Assert.ThrowsAny<Exception>(() =>
            queue.Enqueue([frame], 3, Encoder(Path.Combine(_temp.FullName, "next.mp4"), 1), () => { })).Message);
        Assert.Equal(e.Message, Assert.ThrowsAny<Exception>(queue.ThrowIfFailed).Message);
    }

    [Fact]
    public async Task FailureWhileTheCallerWaitsForRoomReleasesIt()
    {
        // A budget of one byte: every part after the first waits for room, and an encoder that cannot start must wake the
        // caller with the error rather than leave it waiting.
        using var frame = Frame(4, 3);
        var frames = Enumerable.Repeat(frame, 40);
        using var queue = new VideoQueue(queueBytes: 1);
        Func<VideoEncoder> failing = () =>
        {
            // Late enough that the caller is waiting for room by then.
            Thread.Sleep(300);
            throw new IOException("no room for the video");
        };
        var enqueue = Task.Run(() => queue.Enqueue(frames, 3, failing, () => { }));
        Assert.True(await Task.WhenAny(enqueue, Task.Delay(TimeSpan.FromSeconds(60))) == enqueue, "Enqueue still waits after the failure");
        Assert.Equal("no room for the video", (await Assert.ThrowsAnyAsync<IOException>(() => enqueue)).Message);
        Assert.Equal("no room for the video", Assert.ThrowsAny<IOException>(queue.Complete).Message);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
