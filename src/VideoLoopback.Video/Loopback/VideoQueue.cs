using System.Runtime.ExceptionServices;
using System.Threading.Channels;
using VideoLoopback.Video.Ffmpeg;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Encodes the render's videos (each loop's, the final one) on a background thread, one after another in the order queued,
/// so the next loop renders while a loop's video is encoded. Frames are handed over as host copies started without waiting
/// for the device (<see cref="HostFrames"/>), a part at a time; past a budget of waiting copies (default
/// <see cref="DefaultQueueBytes"/>),
/// <see cref="Enqueue"/> blocks until the encoder catches up. A video counts as written (its callback runs, on the
/// background thread) only once ffmpeg succeeded and the file was renamed into place. A failed encoding surfaces as itself
/// at the next <see cref="Enqueue"/>, <see cref="ThrowIfFailed"/> or <see cref="Complete"/>.
/// </summary>
public sealed class VideoQueue : IDisposable
{
    /// <summary>Host memory the frames waiting to be encoded may take before <see cref="Enqueue"/> waits.</summary>
    public const long DefaultQueueBytes = 512L << 20;

    private const int ChunkFrames = 16;

    private abstract record Item;
    private sealed record Open(Func<VideoEncoder> Start, int Channels) : Item;
    private sealed record Part(HostFrames Copies, long Bytes) : Item;
    private sealed record Close(Action Written) : Item;
    private sealed record Abandon : Item;

    private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _worker;
    private readonly object _gate = new();
    private long _queuedBytes;
    private ExceptionDispatchInfo? _failure;

    private readonly long _budget;

    public VideoQueue(long queueBytes = DefaultQueueBytes)
    {
        _budget = queueBytes;
        _worker = Task.Run(EncodeAll);
    }

    /// <summary>
    /// Queues one video: <paramref name="start"/> opens its encoder (on the background thread), <paramref name="frames"/>
    /// (uint8 <c>[C,H,W]</c>, read one at a time, each copied before the next is read) are converted to
    /// <paramref name="channels"/> channels and written, then the video is finished and <paramref name="written"/> runs.
    /// </summary>
    public void Enqueue(IEnumerable<Tensor> frames, int channels, Func<VideoEncoder> start, Action written)
    {
        ThrowIfFailed();
        Post(new Open(start, channels), 0);
        try
        {
            using var each = frames.GetEnumerator();
            while (true)
            {
                ThrowIfFailed();
                var copies = HostFrames.Start(Next(each, ChunkFrames));
                if (copies.Count == 0)
                {
                    copies.Dispose();
                    break;
                }
                Post(new Part(copies, copies.Bytes), copies.Bytes);
            }
        }
        catch
        {
            Post(new Abandon(), 0);
            throw;
        }
        Post(new Close(written), 0);
    }

    /// <summary>Up to <paramref name="count"/> more items, read lazily (a spilled store's frame is valid only while it is recent).</summary>
    private static IEnumerable<Tensor> Next(IEnumerator<Tensor> each, int count)
    {
        for (int i = 0; i < count && each.MoveNext(); i++) yield return each.Current;
    }

    private void Post(Item item, long bytes)
    {
        lock (_gate)
        {
            // One part always fits, so a frame larger than the budget still goes through.
            while (_queuedBytes > 0 && _queuedBytes + bytes > _budget && _failure is null) Monitor.Wait(_gate);
            if (_failure is not null)
            {
                if (item is Part p) p.Copies.Dispose();
                _failure.Throw();
            }
            _queuedBytes += bytes;
        }
        if (!_queue.Writer.TryWrite(item))
        {
            if (item is Part p) p.Copies.Dispose();
            ThrowIfFailed();
            throw new InvalidOperationException("the video queue is closed");
        }
    }

    /// <summary>Rethrows an encoding failure, if there was one, without waiting.</summary>
    public void ThrowIfFailed()
    {
        lock (_gate) _failure?.Throw();
    }

    /// <summary>Waits until every queued video is written; rethrows an encoding failure.</summary>
    public void Complete()
    {
        _queue.Writer.TryComplete();
        try { _worker.GetAwaiter().GetResult(); }
        catch (Exception) when (_failure is not null) { }
        ThrowIfFailed();
    }

    private async Task EncodeAll()
    {
        VideoEncoder? encoder = null;
        int channels = 0;
        try
        {
            await foreach (var item in _queue.Reader.ReadAllAsync())
            {
                switch (item)
                {
                    case Open open:
                        encoder?.Dispose();
                        encoder = open.Start();
                        channels = open.Channels;
                        break;
                    case Part part:
                        using (part.Copies)
                        {
                            part.Copies.WaitForDevice();
                            foreach (var frame in part.Copies.Frames)
                            {
                                using var converted = FrameModes.Convert(frame, channels);
                                encoder!.Write(converted);
                            }
                        }
                        Release(part.Bytes);
                        break;
                    case Close close:
                        encoder!.Finish();
                        encoder.Dispose();
                        encoder = null;
                        close.Written();
                        break;
                    case Abandon:
                        encoder?.Dispose();
                        encoder = null;
                        break;
                }
            }
        }
        catch (Exception e)
        {
            lock (_gate)
            {
                _failure = ExceptionDispatchInfo.Capture(e);
                Monitor.PulseAll(_gate);
            }
            _queue.Writer.TryComplete(e);
            while (_queue.Reader.TryRead(out var left))
                if (left is Part p) p.Copies.Dispose();
            throw;
        }
        finally
        {
            // An unfinished video (a render stopped mid-way) leaves no file behind.
            encoder?.Dispose();
        }
    }

    private void Release(long bytes)
    {
        lock (_gate)
        {
            _queuedBytes -= bytes;
            Monitor.PulseAll(_gate);
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        try { _worker.Wait(); } catch (AggregateException) { }
    }
}
