using VideoLoopback.Video.Imaging;
using System.Threading.Channels;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// Writes finished frames as PNG on a background thread, off the render's hot path. Each file is written under a
/// temporary name and renamed, so a file that exists is complete (resume relies on it).
/// </summary>
public sealed class CheckpointWriter : IDisposable
{
    private readonly Channel<(string Path, Tensor Frame)> _queue = Channel.CreateBounded<(string, Tensor)>(64);
    private readonly Task _worker;

    public CheckpointWriter() => _worker = Task.Run(WriteAll);

    /// <summary>Queues a copy of <paramref name="frame"/> (uint8 <c>[C,H,W]</c>); blocks only when many writes are pending.</summary>
    public void Enqueue(string path, Tensor frame)
    {
        var copy = frame.cpu().clone();
        copy.DetachFromDisposeScope();
        if (!_queue.Writer.TryWrite((path, copy)))
            _queue.Writer.WriteAsync((path, copy)).AsTask().GetAwaiter().GetResult();
    }

    /// <summary>Waits until every queued frame is on disk; rethrows a write failure.</summary>
    public void Complete()
    {
        _queue.Writer.TryComplete();
        _worker.GetAwaiter().GetResult();
    }

    private async Task WriteAll()
    {
        try
        {
            await foreach (var (path, frame) in _queue.Reader.ReadAllAsync())
            {
                using (frame)
                {
                    var temp = path + ".tmp";
                    ImageFile.Write(temp, frame);
                    File.Move(temp, path, overwrite: true);
                }
            }
        }
        catch (Exception e)
        {
            // Later Enqueue calls fail instead of waiting on a queue nobody drains.
            _queue.Writer.TryComplete(e);
            throw;
        }
    }

    public void Dispose()
    {
        _queue.Writer.TryComplete();
        try { _worker.Wait(); } catch (AggregateException) { }
    }
}
