using VideoLoopback.Diffusion.Checkpoints;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// A LoRA-family file (<c>.safetensors</c>, or a <c>.pt</c>/<c>.ckpt</c> pickle), read into float32 tensors: keys are
/// <c>&lt;module&gt;.&lt;part&gt;</c> with the module named the kohya way, or diffusers/PEFT keys (<see cref="PeftLoraNames"/>).
/// Each module is recognised by its parts as WebUI's Lora extension does: LoRA/LoCon (<c>lora_up.weight</c>,
/// <c>lora_down.weight</c>), LoHa (<c>hada_w1_a/b</c>, <c>hada_w2_a/b</c>, optional <c>hada_t1/t2</c>), LoKr (<c>lokr_w1</c> or
/// <c>lokr_w1_a/b</c>, <c>lokr_w2</c> or <c>lokr_w2_a/b</c>, optional <c>lokr_t2</c>), full (<c>diff</c>, optional <c>diff_b</c>);
/// each may carry <c>alpha</c>, <c>scale</c> and <c>dora_scale</c>. Anything else is refused naming the file and the key.
/// </summary>
public sealed class LoraNetwork : IDisposable
{
    private static readonly string[] CommonParts = ["alpha", "scale", "dora_scale"];

    private static readonly (string Kind, string[] Parts, Func<IReadOnlyDictionary<string, Tensor>, bool> Recognises,
        Func<string, IReadOnlyDictionary<string, Tensor>, NetworkModule> Create)[] Kinds =
    [
        ("LoRA", ["lora_up.weight", "lora_down.weight"], p => p.ContainsKey("lora_up.weight") && p.ContainsKey("lora_down.weight"),
            (n, p) => new LoraModule(n, p)),
        ("LoHa", ["hada_w1_a", "hada_w1_b", "hada_w2_a", "hada_w2_b", "hada_t1", "hada_t2"],
            p => p.ContainsKey("hada_w1_a") && p.ContainsKey("hada_w1_b") && p.ContainsKey("hada_w2_a") && p.ContainsKey("hada_w2_b"),
            (n, p) => new LohaModule(n, p)),
        ("LoKr", ["lokr_w1", "lokr_w1_a", "lokr_w1_b", "lokr_w2", "lokr_w2_a", "lokr_w2_b", "lokr_t2"], LokrModule.Recognises,
            (n, p) => new LokrModule(n, p)),
        ("full", ["diff", "diff_b"], p => p.ContainsKey("diff"), (n, p) => new FullDiffModule(n, p)),
    ];

    private LoraNetwork(string path, IReadOnlyList<NetworkModule> modules)
    {
        FilePath = path;
        Modules = modules;
    }

    public string FilePath { get; }
    public string Name => Path.GetFileNameWithoutExtension(FilePath);
    public IReadOnlyList<NetworkModule> Modules { get; }

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
    /// Builds a network from its tensors (copied to float32); <paramref name="source"/> names it in messages and gives
    /// <see cref="Name"/>.
    /// </summary>
    public static LoraNetwork FromTensors(string source, IReadOnlyDictionary<string, Tensor> tensors)
    {
        var byModule = new SortedDictionary<string, Dictionary<string, (string Key, Tensor Value)>>(StringComparer.Ordinal);
        bool twoTextEncoders = PeftLoraNames.HasSecondTextEncoder(tensors.Keys);
        foreach (var (key, value) in tensors)
        {
            var (module, part) = PeftLoraNames.ToKohya(key, twoTextEncoders) ?? Split(key);
            if (part.Length == 0)
                throw new InvalidDataException($"{source}: key '{key}' is not a LoRA key (expected <module>.<part> such as <module>.lora_down.weight)");
            if (!byModule.TryGetValue(module, out var parts)) byModule[module] = parts = new(StringComparer.Ordinal);
            parts[part] = (key, value);
        }
        if (byModule.Count == 0) throw new InvalidDataException($"{source}: no LoRA modules found");

        var modules = new List<NetworkModule>();
        try
        {
            foreach (var (name, parts) in byModule) modules.Add(Create(source, name, parts));
        }
        catch
        {
            foreach (var m in modules) m.Dispose();
            throw;
        }
        return new LoraNetwork(source, modules);
    }

    private static (string Module, string Part) Split(string key)
    {
        int dot = key.IndexOf('.');
        return dot < 0 ? (key, "") : (key[..dot], key[(dot + 1)..]);
    }

    private static NetworkModule Create(string source, string name, Dictionary<string, (string Key, Tensor Value)> parts)
    {
        if (parts.ContainsKey("lora_A.weight") && parts.ContainsKey("lora_B.weight") && !parts.ContainsKey("lora_down.weight"))
        {
            // WebUI keeps only the pair of a PEFT-named module (lora_A = down, lora_B = up): its alpha, scale and dora_scale
            // are dropped, so the scale is 1.
            parts = new(StringComparer.Ordinal) { ["lora_down.weight"] = parts["lora_A.weight"], ["lora_up.weight"] = parts["lora_B.weight"] };
        }
        var values = parts.ToDictionary(p => p.Key, p => p.Value.Value, StringComparer.Ordinal);
        foreach (var kind in Kinds)
        {
            if (!kind.Recognises(values)) continue;
            var unknown = parts.Where(p => !kind.Parts.Contains(p.Key) && !CommonParts.Contains(p.Key)).Select(p => p.Value.Key).ToList();
            if (unknown.Count > 0)
                throw new InvalidDataException($"{source}: {kind.Kind} module '{name}' has keys this engine does not apply: {string.Join(", ", unknown)}");
            if (kind.Kind == "LoRA") CheckLoraPair(source, name, values["lora_up.weight"], values["lora_down.weight"]);
            // The network lives as long as its library, not the dispose scope that happens to be open when it is first asked for.
            var owned = values.ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float32, copy: true).DetachFromDisposeScope(), StringComparer.Ordinal);
            return kind.Create(name, owned);
        }
        throw new InvalidDataException($"{source}: module '{name}' ({string.Join(", ", parts.Values.Select(p => p.Key))}) is none of the " +
            "supported kinds: LoRA/LoCon (lora_up.weight + lora_down.weight, or PEFT lora_A/lora_B), LoHa (hada_w1_a/b + hada_w2_a/b), " +
            "LoKr (lokr_w1[_a/_b] + lokr_w2[_a/_b]), full (diff)");
    }

    private static void CheckLoraPair(string source, string name, Tensor up, Tensor down)
    {
        bool shapesAgree = down.ndim == up.ndim && (down.ndim == 2 || down.ndim == 4) && up.shape[1] == down.shape[0]
            && (up.ndim == 2 || (up.shape[2] == 1 && up.shape[3] == 1));
        if (!shapesAgree)
            throw new InvalidDataException($"{source}: module '{name}': lora_up [{string.Join(",", up.shape)}] and lora_down [{string.Join(",", down.shape)}] do not form a LoRA pair");
    }

    public void Dispose()
    {
        foreach (var module in Modules) module.Dispose();
    }
}
