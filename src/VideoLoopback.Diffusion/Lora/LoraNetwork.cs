using VideoLoopback.Diffusion.Safetensors;
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
        using var file = SafetensorsFile.Open(path);
        var names = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var entry in file.Entries)
        {
            string? module = entry.Name.EndsWith(DownSuffix, StringComparison.Ordinal) ? entry.Name[..^DownSuffix.Length]
                : entry.Name.EndsWith(UpSuffix, StringComparison.Ordinal) ? entry.Name[..^UpSuffix.Length]
                : entry.Name.EndsWith(AlphaSuffix, StringComparison.Ordinal) ? entry.Name[..^AlphaSuffix.Length]
                : null;
            if (module is null)
                throw new InvalidDataException($"{path}: key '{entry.Name}' is not a kohya LoRA key (expected <module>{DownSuffix}, <module>{UpSuffix} or <module>{AlphaSuffix}); only LoRA/LoCon files are supported");
            names.Add(module);
        }
        if (names.Count == 0) throw new InvalidDataException($"{path}: no LoRA modules found");

        var modules = new List<LoraModule>();
        foreach (var name in names)
        {
            if (!file.Contains(name + DownSuffix) || !file.Contains(name + UpSuffix))
                throw new InvalidDataException($"{path}: module '{name}' needs both '{name}{DownSuffix}' and '{name}{UpSuffix}'");
            var down = file.Load(name + DownSuffix, ScalarType.Float32, device);
            var up = file.Load(name + UpSuffix, ScalarType.Float32, device);
            double? alpha = null;
            if (file.Contains(name + AlphaSuffix))
            {
                using var a = file.Load(name + AlphaSuffix, ScalarType.Float64);
                alpha = a.reshape(-1)[0].item<double>();
            }
            bool shapesAgree = down.ndim == up.ndim && (down.ndim == 2 || down.ndim == 4) && up.shape[1] == down.shape[0]
                && (up.ndim == 2 || (up.shape[2] == 1 && up.shape[3] == 1));
            if (!shapesAgree)
                throw new InvalidDataException($"{path}: module '{name}': lora_up [{string.Join(",", up.shape)}] and lora_down [{string.Join(",", down.shape)}] do not form a LoRA pair");
            modules.Add(new LoraModule(name, down, up, alpha));
        }
        return new LoraNetwork(path, modules);
    }

    public void Dispose()
    {
        foreach (var module in Modules) module.Dispose();
    }
}
