using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// Merges a set of LoRAs into the weights of a UNet and/or CLIP text model in place, on their device, and un-merges them
/// exactly: before a weight is first changed its original is copied aside, and every change of the active set starts by
/// copying the originals back, so the restored weights are bit-for-bit those that were loaded (no checkpoint reload).
/// </summary>
public sealed class LoraMerger : IDisposable
{
    private readonly Dictionary<string, Parameter> _weights = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor> _originals = new(StringComparer.Ordinal);
    private IReadOnlyList<LoraActivation> _active = [];

    /// <param name="unet">The UNet whose parameters are the checkpoint's <c>model.diffusion_model.*</c> keys, or null.</param>
    /// <param name="textEncoder">The CLIP text model (<c>cond_stage_model.transformer.text_model.*</c>), or null.</param>
    public LoraMerger(UnetModel? unet, ClipTextModel? textEncoder)
    {
        if (unet is not null)
            foreach (var (name, parameter) in unet.named_parameters()) _weights[KohyaLoraNames.UnetKeyPrefix + name] = parameter;
        if (textEncoder is not null)
            foreach (var (name, parameter) in textEncoder.named_parameters()) _weights[KohyaLoraNames.TextEncoderKeyPrefix + name] = parameter;
    }

    /// <summary>The set merged now, in merge order.</summary>
    public IReadOnlyList<LoraActivation> Active => _active;

    /// <summary>How many weights have an original kept aside.</summary>
    public int BackedUpWeights => _originals.Count;

    /// <summary>
    /// Makes <paramref name="set"/> the merged set: nothing happens when it equals the current one; otherwise the original
    /// weights are restored and each LoRA's change is added in order (WebUI sums them one after another).
    /// A LoRA with modules matching no weight of the models fails before any weight changes.
    /// </summary>
    public void Apply(IReadOnlyList<LoraActivation> set)
    {
        if (SameSet(set, _active)) return;
        foreach (var activation in set) CheckMatches(activation.Network);
        Restore();
        using var noGrad = no_grad();
        foreach (var activation in set)
            foreach (var module in activation.Network.Modules)
            {
                var key = module.LdmWeightKey!;
                double multiplier = module.IsTextEncoder ? activation.TextEncoderMultiplier : activation.UnetMultiplier;
                var bias = module.BiasDelta is null ? null : KeepOriginal(BiasKey(key));
                module.MergeInto(KeepOriginal(key), multiplier, activation.DynamicDimension, bias);
            }
        _active = set.ToList();
    }

    /// <summary>The parameter at <paramref name="key"/>, its original copied aside before its first change.</summary>
    private Parameter KeepOriginal(string key)
    {
        var weight = _weights[key];
        if (!_originals.ContainsKey(key)) _originals[key] = weight.detach().clone().DetachFromDisposeScope(); // kept across callers' scopes
        return weight;
    }

    private static string BiasKey(string weightKey) => weightKey[..^".weight".Length] + ".bias";

    /// <summary>Copies every kept original back: the weights are again exactly those that were loaded.</summary>
    public void Restore()
    {
        using var noGrad = no_grad();
        foreach (var (key, original) in _originals) _weights[key].copy_(original);
        _active = [];
    }

    /// <summary>Throws naming the file and the modules when a LoRA's modules do not fit the models' weights.</summary>
    public void CheckMatches(LoraNetwork network)
    {
        var problems = new List<string>();
        foreach (var module in network.Modules)
        {
            var key = module.LdmWeightKey;
            if (key is null || !_weights.TryGetValue(key, out var weight))
            {
                problems.Add($"'{module.KohyaName}' (as '{key ?? module.NetworkLayerName}') matches no weight");
                continue;
            }
            if (module.Mismatch(weight.shape) is { } made)
                problems.Add($"'{module.KohyaName}' {made} but '{key}' is [{string.Join(",", weight.shape)}]");
            else if (module.BiasDelta is { } biasDelta && (!_weights.TryGetValue(BiasKey(key), out var bias) || bias.numel() != biasDelta.numel()))
                problems.Add($"'{module.KohyaName}' changes a bias of {biasDelta.numel()} values but '{key}' has {(bias is null ? "none" : $"{bias.numel()}")}");
        }
        if (problems.Count > 0)
            throw new InvalidDataException($"{network.FilePath}: {problems.Count} of {network.Modules.Count} LoRA modules do not fit this model " +
                "(a LoRA for another model family or size?): " + string.Join("; ", problems.Take(6)) + (problems.Count > 6 ? "; ..." : ""));
    }

    private static bool SameSet(IReadOnlyList<LoraActivation> a, IReadOnlyList<LoraActivation> b) =>
        a.Count == b.Count && a.Zip(b).All(p => ReferenceEquals(p.First.Network, p.Second.Network)
            && p.First.TextEncoderMultiplier == p.Second.TextEncoderMultiplier && p.First.UnetMultiplier == p.Second.UnetMultiplier
            && p.First.DynamicDimension == p.Second.DynamicDimension);

    /// <summary>Restores the original weights and frees the copies.</summary>
    public void Dispose()
    {
        Restore();
        foreach (var original in _originals.Values) original.Dispose();
        _originals.Clear();
    }
}
