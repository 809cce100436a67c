using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Supplies CLIP text weights by key (below one prefix) from a checkpoint file or from tensors in memory,
/// converted to the compute dtype and device as they are read, each shape checked against what the module
/// expects.
/// </summary>
internal sealed class ClipWeights
{
    private readonly string _source;
    private readonly string _prefix;
    private readonly Func<string, long[]?> _shapeOf;
    private readonly Func<string, Tensor> _load;

    private ClipWeights(string source, string prefix, Func<string, long[]?> shapeOf, Func<string, Tensor> load, ScalarType dtype, Device device)
    {
        _source = source;
        _prefix = prefix;
        _shapeOf = shapeOf;
        _load = load;
        DType = dtype;
        Device = device;
    }

    public ScalarType DType { get; }
    public Device Device { get; }

    public static ClipWeights FromFile(SafetensorsFile file, string prefix, ScalarType dtype, Device device) =>
        new(file.FilePath, prefix,
            key => file.TryGetEntry(key, out var entry) ? entry.Shape : null,
            key => file.Load(key, dtype, device), dtype, device);

    public static ClipWeights FromTensors(IReadOnlyDictionary<string, Tensor> tensors, string prefix, ScalarType dtype, Device device) =>
        new("the given weights", prefix,
            key => tensors.TryGetValue(key, out var t) ? t.shape : null,
            key => tensors[key].to(dtype, device, copy: true), dtype, device);

    public TorchSharp.Modules.Parameter Parameter(string name, params long[] shape)
    {
        string key = _prefix + name;
        var actual = _shapeOf(key) ?? throw new InvalidDataException($"{_source}: missing CLIP text weight '{key}'");
        if (!actual.SequenceEqual(shape))
            throw new InvalidDataException($"{_source}: '{key}' is [{string.Join(",", actual)}], expected [{string.Join(",", shape)}]");
        return new TorchSharp.Modules.Parameter(_load(key), requires_grad: false);
    }
}
