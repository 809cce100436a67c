using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Reads CLIP text weights from a checkpoint under one key prefix, converting them to the compute
/// dtype and device as they are read, and checking each shape against what the module expects.
/// </summary>
internal sealed class ClipWeights(SafetensorsFile file, string prefix, ScalarType dtype, Device device)
{
    public ScalarType DType => dtype;
    public Device Device => device;

    public TorchSharp.Modules.Parameter Parameter(string name, params long[] shape)
    {
        string key = prefix + name;
        if (!file.TryGetEntry(key, out var entry))
            throw new InvalidDataException($"{file.FilePath}: missing CLIP text weight '{key}'");
        if (!entry.Shape.SequenceEqual(shape))
            throw new InvalidDataException($"{file.FilePath}: '{key}' is {entry.ShapeText}, expected [{string.Join(",", shape)}]");
        return new TorchSharp.Modules.Parameter(file.Load(key, dtype, device), requires_grad: false);
    }
}
