using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace VideoLoopback.Video.FastDvdNet;

/// <summary>
/// Denoises a whole sequence with the 5-frame temporal window, a chunk of output frames at a time, so
/// the working memory depends on the chunk size, never on the sequence length.
/// Same results as the reference's frame-by-frame loop, with two savings: stage one of a frame triplet
/// is computed once and reused by the three windows that contain it, and frames are batched.
/// </summary>
internal sealed class SequenceDenoiser : IDisposable
{
    private readonly FastDvdNetModel _model;
    private readonly Func<int, int, Tensor> _noisyFrames;
    private readonly int _count, _framesPerDraw, _chunkFrames;
    private readonly long _height, _width, _padBottom, _padRight;
    private readonly float _sigma;
    private readonly Device _device;
    private readonly ScalarType _computeType;

    // Padded noisy frames [3,Hp,Wp] by index, kept while a later window may need them.
    private readonly SortedDictionary<int, Tensor> _noisy = new();
    private int _drawnUpTo;
    // Stage-one results [2,3,Hp,Wp] for the two triplets centred on the last two frames of the previous chunk.
    private Tensor? _carried;

    /// <param name="noisyFrames">(start, count) -> noisy frames [count,3,H,W] float32 in [0,1]-ish, called for consecutive ranges.</param>
    public SequenceDenoiser(FastDvdNetModel model, int count, long height, long width, float sigma, Device device,
        Func<int, int, Tensor> noisyFrames, int framesPerDraw, int chunkFrames, ScalarType computeType)
    {
        (_model, _noisyFrames, _computeType, _device) = (model, noisyFrames, computeType, device);
        (_count, _height, _width, _sigma) = (count, height, width, sigma);
        _framesPerDraw = Math.Max(1, framesPerDraw);
        _chunkFrames = Math.Max(1, chunkFrames);
        // The network halves H and W twice, so the reference pads them up to multiples of 4 (reflect, bottom/right).
        _padBottom = PadToMultipleOf4(height);
        _padRight = PadToMultipleOf4(width);
    }

    public static long PadToMultipleOf4(long size) => (4 - size % 4) % 4;

    /// <summary>Runs the sequence; <paramref name="onChunk"/> gets (first frame, denoised frames [k,3,H,W] clamped to [0,1]).</summary>
    public void Run(Action<int, Tensor> onChunk)
    {
        for (var start = 0; start < _count; start += _chunkFrames)
        {
            using var scope = NewDisposeScope();
            var end = Math.Min(_count, start + _chunkFrames);
            onChunk(start, DenoiseChunk(start, end));
            Evict(Math.Min(end, _count - 3));
        }
    }

    /// <summary>Output frames [start,end): stage one on the triplets centred on start-1..end, then stage two.</summary>
    private Tensor DenoiseChunk(int start, int end)
    {
        var firstNewCentre = _carried is null ? start - 1 : start + 1;
        var newCentres = end - firstNewCentre + 1;
        var frames = stack(Enumerable.Range(firstNewCentre - 1, newCentres + 2)
            .Select(j => Noisy(MirroredFrameIndex.Of(j, _count))).ToArray());          // [newCentres+2,3,Hp,Wp]
        var stageOneNew = _model.FirstStage(frames.narrow(0, 0, newCentres), frames.narrow(0, 1, newCentres),
            frames.narrow(0, 2, newCentres), NoiseMap(newCentres));                        // [newCentres,3,Hp,Wp]
        var stageOne = _carried is null ? stageOneNew : cat([_carried, stageOneNew], 0); // centres start-1..end

        var outputs = end - start;
        var denoised = _model.SecondStage(stageOne.narrow(0, 0, outputs), stageOne.narrow(0, 1, outputs),
            stageOne.narrow(0, 2, outputs), NoiseMap(outputs));                            // [k,3,Hp,Wp]

        _carried?.Dispose();
        _carried = stageOne.narrow(0, outputs, 2).clone().DetachFromDisposeScope();
        return denoised.clamp(0.0, 1.0).narrow(2, 0, _height).narrow(3, 0, _width).to(ScalarType.Float32);
    }

    private Tensor NoiseMap(int batch) =>
        full([batch, 1, _height + _padBottom, _width + _padRight], _sigma, _computeType, _device);

    private Tensor Noisy(int index)
    {
        while (_drawnUpTo <= index)
        {
            using var scope = NewDisposeScope();
            var count = Math.Min(_framesPerDraw, _count - _drawnUpTo);
            var block = _noisyFrames(_drawnUpTo, count).to(_computeType);
            if (_padBottom > 0 || _padRight > 0)
                block = F.pad(block, [0, _padRight, 0, _padBottom], PaddingModes.Reflect);
            for (var i = 0; i < count; i++)
                _noisy[_drawnUpTo + i] = block[i].DetachFromDisposeScope();
            _drawnUpTo += count;
        }
        return _noisy[index];
    }

    private void Evict(int keepFrom)
    {
        foreach (var index in _noisy.Keys.TakeWhile(i => i < keepFrom).ToList())
        {
            _noisy[index].Dispose();
            _noisy.Remove(index);
        }
    }

    public void Dispose()
    {
        foreach (var t in _noisy.Values) t.Dispose();
        _noisy.Clear();
        _carried?.Dispose();
        _carried = null;
    }
}
