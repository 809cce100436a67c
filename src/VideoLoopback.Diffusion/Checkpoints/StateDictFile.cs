using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// A model file as detection and binding read it: a <c>.safetensors</c> file (its header; tensors are bound one at a time
/// from the memory mapping) or a PyTorch pickle (<c>.pth</c>/<c>.pt</c>/<c>.ckpt</c>, read whole without running its code).
/// </summary>
public sealed class StateDictFile : IDisposable
{
    private readonly SafetensorsFile? _file;
    private readonly Dictionary<string, Tensor>? _tensors;

    private StateDictFile(string path, SafetensorsFile? file, Dictionary<string, Tensor>? tensors)
    {
        Path = path;
        _file = file;
        _tensors = tensors;
        Tensors = file?.Entries.Select(TensorDescriptor.From).ToList()
            ?? tensors!.Select(t => TensorDescriptor.From(t.Key, t.Value)).ToList();
    }

    public string Path { get; }

    /// <summary>Every tensor's name, shape and dtype.</summary>
    public IReadOnlyList<TensorDescriptor> Tensors { get; }

    /// <summary>Opens <paramref name="path"/>: throws <see cref="SafetensorsException"/> or, for a pickle, <see cref="InvalidDataException"/>.</summary>
    public static StateDictFile Open(string path) => PickledStateDict.IsPickle(path)
        ? new StateDictFile(path, null, PickledStateDict.Read(path))
        : new StateDictFile(path, SafetensorsFile.Open(path), null);

    /// <summary>Binds <paramref name="network"/> to the tensors under <paramref name="prefix"/> (see <see cref="StateDictBinding"/>).</summary>
    public void Bind(nn.Module network, string prefix, string what)
    {
        if (_file is not null) StateDictBinding.Load(network, _file, prefix, what);
        else StateDictBinding.Load(network, _tensors!, Path, prefix, what);
    }

    /// <summary>Every tensor of the file as a new <paramref name="dtype"/> tensor on <paramref name="device"/>; the caller owns them.</summary>
    public Dictionary<string, Tensor> LoadAll(ScalarType dtype, Device? device = null) => _file is not null
        ? _file.LoadAll(dtype: dtype, device: device)
        : _tensors!.ToDictionary(t => t.Key, t => t.Value.to(dtype, device ?? CPU, copy: true), StringComparer.Ordinal);

    public void Dispose()
    {
        _file?.Dispose();
        if (_tensors is null) return;
        foreach (var tensor in _tensors.Values) tensor.Dispose();
    }
}
