using VideoLoopback.Video.Generation;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Generation;

/// <summary>
/// Wraps a generator and keeps a log of every frame it was asked for, one entry per frame in call order,
/// whatever the batching. Used to check orchestration (what the engine asks for), not on long renders. Owns the wrapped generator.
/// </summary>
public sealed class RecordingGenerator(IFrameGenerator inner) : IFrameGenerator
{
    private readonly List<GeneratorCall> _calls = [];

    public IReadOnlyList<GeneratorCall> Calls => _calls;

    public string ModelName => inner.ModelName;

    public string ModelHash => inner.ModelHash;

    public IReadOnlyList<Tensor> Generate(GenerationRequest request, CancellationToken cancellation = default)
    {
        var outputs = inner.Generate(request, cancellation);
        for (int i = 0; i < request.Count; i++)
        {
            var outs = new List<Tensor>();
            for (int k = 0; k < outputs[i].shape[0]; k++)
                outs.Add(Keep(outputs[i][k]));
            _calls.Add(new GeneratorCall(
                _calls.Count,
                request.Frames[i],
                Keep(request.InitImages[i]),
                request.Masks[i] is { } m ? Keep(m) : null,
                request.ControlImages[i].Select(Keep).ToList(),
                outs));
        }
        return outputs;
    }

    private static Tensor Keep(Tensor t)
    {
        var copy = t.cpu().clone();
        copy.DetachFromDisposeScope();
        return copy;
    }

    public void Dispose()
    {
        foreach (var call in _calls)
        {
            call.InitImage.Dispose();
            call.Mask?.Dispose();
            foreach (var c in call.ControlImages) c.Dispose();
            foreach (var o in call.Outputs) o.Dispose();
        }
        _calls.Clear();
        inner.Dispose();
    }
}
