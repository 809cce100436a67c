using System.Collections;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// Reads a PyTorch state dict saved with <c>torch.save</c> (<c>.pth</c>/<c>.pt</c>, the zip format of PyTorch 1.6 and later).
/// PyBridge rebuilds the pickle with its own constructors for the few torch globals a state dict uses (tensors, OrderedDict);
/// any other global becomes an inert placeholder object, so no code from the file runs. A dict that wraps the state dict
/// under <c>state_dict</c> (as training checkpoints do) is unwrapped.
/// </summary>
public static class PickledStateDict
{
    public static bool IsPickle(string path) =>
        Path.GetExtension(path).ToLowerInvariant() is ".pth" or ".pt" or ".ckpt";

    /// <summary>Every tensor of the file by key, on the CPU; throws <see cref="InvalidDataException"/> naming the file.</summary>
    public static Dictionary<string, Tensor> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"{path}: file not found", path);
        Hashtable table;
        try
        {
            table = PyTorchUnpickler.UnpickleStateDict(path);
        }
        catch (NotImplementedException e)
        {
            throw new InvalidDataException($"{path}: not a state dict in PyTorch's zip format ({e.Message}); convert it to .safetensors with the same keys", e);
        }
        catch (Exception e) when (e is IOException or InvalidDataException or InvalidCastException or InvalidOperationException or ArgumentException)
        {
            throw new InvalidDataException($"{path}: not a readable PyTorch state dict ({e.Message})", e);
        }
        if (table["state_dict"] is Hashtable inner) table = inner;

        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in table)
            if (entry.Key is string key && entry.Value is Tensor tensor) result[key] = tensor;
        if (result.Count == 0) throw new InvalidDataException($"{path}: the pickle holds no tensors (expected a state dict)");
        return result;
    }
}
