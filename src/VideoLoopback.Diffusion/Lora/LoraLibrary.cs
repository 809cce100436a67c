using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// Resolves "&lt;lora:name:...&gt;" tags to LoRA files in a folder (searched recursively for <c>name.safetensors</c>,
/// <c>name.pt</c> or <c>name.ckpt</c> as WebUI lists them, name compared case-insensitively like WebUI's lookup) and keeps each loaded file for reuse. An unknown name is reported through
/// <paramref name="warn"/> and skipped, as WebUI does ("Networks not found").
/// </summary>
public sealed class LoraLibrary(string folder, Action<string> warn, Device? device = null) : IDisposable
{
    private readonly Dictionary<string, LoraNetwork> _loaded = new(StringComparer.OrdinalIgnoreCase);

    public string Folder { get; } = folder;

    /// <summary>Strips the tags from <paramref name="prompt"/> and returns the text the encoder sees plus the LoRA set.</summary>
    public (string Prompt, IReadOnlyList<LoraActivation> Set) FromPrompt(string prompt)
    {
        var (text, tags) = ExtraNetworkTag.Extract(prompt);
        return (text, Resolve(LoraTag.From(tags)));
    }

    /// <summary>The activations for <paramref name="tags"/>, in order; unknown names are warned about and left out.</summary>
    public IReadOnlyList<LoraActivation> Resolve(IEnumerable<LoraTag> tags)
    {
        var set = new List<LoraActivation>();
        var missing = new List<string>();
        foreach (var tag in tags)
        {
            var network = Find(tag.Name);
            if (network is null) { missing.Add(tag.Name); continue; }
            set.Add(new LoraActivation(network, tag.TextEncoderMultiplier, tag.UnetMultiplier, tag.DynamicDimension));
        }
        if (missing.Count > 0) warn($"Networks not found in '{Folder}': {string.Join(", ", missing)}");
        return set;
    }

    private LoraNetwork? Find(string name)
    {
        if (_loaded.TryGetValue(name, out var network)) return network;
        var path = FindFile(Folder, name);
        if (path is null) return null;
        network = LoraNetwork.Load(path, device);
        _loaded[name] = network;
        return network;
    }

    private static readonly string[] Extensions = [".safetensors", ".pt", ".ckpt"];

    /// <summary>
    /// The file <c>name.safetensors</c> (else <c>.pt</c>, else <c>.ckpt</c>) under <paramref name="folder"/> (recursively, name
    /// case-insensitive), or null.
    /// </summary>
    public static string? FindFile(string folder, string name) => !Directory.Exists(folder) ? null
        : Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(p => Extensions.Contains(Path.GetExtension(p).ToLowerInvariant())
                && string.Equals(Path.GetFileNameWithoutExtension(p), name, StringComparison.OrdinalIgnoreCase))
            .OrderBy(p => Array.IndexOf(Extensions, Path.GetExtension(p).ToLowerInvariant())).ThenBy(p => p, StringComparer.Ordinal)
            .FirstOrDefault();

    public void Dispose()
    {
        foreach (var network in _loaded.Values) network.Dispose();
        _loaded.Clear();
    }
}
