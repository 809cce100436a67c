using VideoLoopback.Diffusion.Checkpoints;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// A kohya-format LoRA / LoCon file (<c>&lt;module&gt;.lora_down.weight</c>, <c>.lora_up.weight</c>, optional <c>.alpha</c>),
/// read into float32 tensors. Any other key (LoHa, LoKr, diffusers layouts, ...) is refused naming the file and the key.
/// </summary>
public sealed class LoraNetwork : IDisposable
{
    private const string DownSuffix = ".lora_down.weight", UpSuffix = ".lora_up.weight", AlphaSuffix = ".alpha";

    private LoraNetwork(string path, IReadOnlyList<LoraModule> modules)
    {
        FilePath = path;
        Modules = modules;
    }

    public string FilePath { get; }
    public string Name => Path.GetFileNameWithoutExtension(FilePath);
    public IReadOnlyList<LoraModule> Modules { get; }

    public static LoraNetwork Load(string path, Device? device = null)
    {
        using var file = StateDictFile.Open(path);
        var tensors = file.LoadAll(dtype: ScalarType.Float32, device: device);
        try
        {
            return FromTensors(path, tensors);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>
    /// Builds a network from kohya-keyed tensors (copied to float32); <paramref name="source"/> names it in messages and gives
    /// <see cref="Name"/>.
    /// </summary>
    public static LoraNetwork FromTensors(string source, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var key in tensors.Keys)
        {
            string? module = key.EndsWith(DownSuffix, StringComparison.Ordinal) ? key[..^DownSuffix.Length]
                : key.EndsWith(UpSuffix, StringComparison.Ordinal) ? key[..^UpSuffix.Length]
                : key.EndsWith(AlphaSuffix, StringComparison.Ordinal) ? key[..^AlphaSuffix.Length]
                : null;
            if (module is null)
                throw new InvalidDataException($"{source}: key '{key}' is not a kohya LoRA key (expected <module>{DownSuffix}, <module>{UpSuffix} or <module>{AlphaSuffix}); only LoRA/LoCon files are supported");
            names.Add(module);
        }
        if (names.Count == 0) throw new InvalidDataException($"{source}: no LoRA modules found");

        var modules = new List<LoraModule>();
        foreach (var name in names)
        {
            if (!tensors.TryGetValue(name + DownSuffix, out var downValue) || !tensors.TryGetValue(name + UpSuffix, out var upValue))
                throw new InvalidDataException($"{source}: module '{name}' needs both '{name}{DownSuffix}' and '{name}{UpSuffix}'");
            double? alpha = tensors.TryGetValue(name + AlphaSuffix, out var a) ? a.to(ScalarType.Float64).reshape(-1)[0].item<double>() : null;
            bool shapesAgree = downValue.ndim == upValue.ndim && (downValue.ndim == 2 || downValue.ndim == 4) && upValue.shape[1] == downValue.shape[0]
                && (upValue.ndim == 2 || (upValue.shape[2] == 1 && upValue.shape[3] == 1));
            if (!shapesAgree)
                throw new InvalidDataException($"{source}: module '{name}': lora_up [{string.Join(",", upValue.shape)}] and lora_down [{string.Join(",", downValue.shape)}] do not form a LoRA pair");
            // The network lives as long as its library, not the dispose scope that happens to be open when it is first asked for.
            modules.Add(new LoraModule(name, downValue.to(ScalarType.Float32, copy: true).DetachFromDisposeScope(),
                upValue.to(ScalarType.Float32, copy: true).DetachFromDisposeScope(), alpha));
        }
        return new LoraNetwork(source, modules);
    }

    public void Dispose()
    {
        foreach (var module in Modules) module.Dispose();
    }
}
