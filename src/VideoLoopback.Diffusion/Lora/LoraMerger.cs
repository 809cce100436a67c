using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// Merges a set of LoRAs into the weights of a UNet and the text towers in place, on their device, and un-merges them
/// exactly: before a weight is first changed its original is copied aside, and every change of the active set starts by
/// copying the originals back, so the restored weights are bit-for-bit those that were loaded (no checkpoint reload).
/// Modules are placed as WebUI's Lora extension places them (<see cref="NetworkLayerMap"/>); an OpenCLIP tower's attention
/// (SD2.x, SDXL's second tower) is changed only when a LoRA has all four of its q/k/v/out projections, as WebUI's
/// nn.MultiheadAttention path does, and other modules for it are left out silently like there.
/// </summary>
public sealed class LoraMerger : IDisposable
{
    private readonly Dictionary<string, Parameter>? _unet;
    private readonly Dictionary<string, Parameter>[] _towers;
    private readonly NetworkLayerMap _map;
    private readonly Dictionary<string, (Parameter Target, Tensor Original)> _originals = new(StringComparer.Ordinal);
    private readonly Dictionary<LoraNetwork, IReadOnlyList<PlacedModule>> _placed = new(ReferenceEqualityComparer.Instance);
    private IReadOnlyList<LoraActivation> _active = [];

    /// <summary>A module of a file, with WebUI's sd_key for it and the layer it changes (null: none).</summary>
    private sealed record PlacedModule(NetworkModule Module, string SdKey, NetworkLayer? Layer);

    /// <param name="unet">The UNet whose parameters are the checkpoint's <c>model.diffusion_model.*</c> keys, or null.</param>
    /// <param name="textEncoder">SD1.x's CLIP text model (<c>cond_stage_model.transformer.text_model.*</c>, <c>lora_te_</c>), or null.</param>
    public LoraMerger(UnetModel? unet, ClipTextModel? textEncoder)
        : this(unet, textEncoder is null ? [] : [new LoraTextTower(textEncoder, LoraTowerNaming.Sd1)])
    {
    }

    /// <param name="unet">The UNet whose parameters are the checkpoint's <c>model.diffusion_model.*</c> keys, or null.</param>
    /// <param name="textTowers">The model's text towers with their naming (<see cref="LoraTextTower.For"/>), in the model's order.</param>
    public LoraMerger(UnetModel? unet, IReadOnlyList<LoraTextTower> textTowers)
        : this(unet?.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal), textTowers)
    {
    }

    /// <summary>
    /// A merger over UNet weights given by their parameter names (the checkpoint keys below <c>model.diffusion_model.</c>)
    /// rather than a <see cref="UnetModel"/>, e.g. for a UNet held elsewhere or weights checked on their own.
    /// </summary>
    public static LoraMerger FromParameters(IReadOnlyDictionary<string, Parameter>? unetParameters, IReadOnlyList<LoraTextTower> textTowers) =>
        new(unetParameters?.ToDictionary(StringComparer.Ordinal), textTowers);

    private LoraMerger(Dictionary<string, Parameter>? unetParameters, IReadOnlyList<LoraTextTower> textTowers)
    {
        _unet = unetParameters;
        _towers = textTowers.Select(t => t.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter, StringComparer.Ordinal)).ToArray();
        _map = new NetworkLayerMap(_unet?.Keys,
            textTowers.Select((t, i) => (t.Naming, (IEnumerable<string>)_towers[i].Keys)).ToList());
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
        {
            var placed = Placed(activation.Network);
            var completeAttentions = CompleteAttentions(placed);
            foreach (var (module, sdKey, layer) in placed)
            {
                if (layer!.Attention is { } attention && !completeAttentions.Contains(attention)) continue;
                double multiplier = KohyaLoraNames.IsTextEncoderLayer(sdKey) ? activation.TextEncoderMultiplier : activation.UnetMultiplier;
                var bias = module.BiasDelta is null || layer.BiasParameter is null ? null : KeepOriginal(layer.UniqueBiasKey!, Part(layer)[layer.BiasParameter]);
                module.MergeInto(KeepOriginal(layer.UniqueWeightKey, Part(layer)[layer.WeightParameter]), multiplier, activation.DynamicDimension, bias);
            }
        }
        // Placements are kept for the files in use only, so files dropped from the library are not held.
        foreach (var stale in _placed.Keys.Where(n => !set.Any(a => ReferenceEquals(a.Network, n))).ToList()) _placed.Remove(stale);
        _active = set.ToList();
    }

    /// <summary>The nn.MultiheadAttention layers for which the modules have all of q, k, v and out.</summary>
    private static HashSet<string> CompleteAttentions(IEnumerable<PlacedModule> placed) =>
        placed.Where(p => p.Layer?.Attention is not null).GroupBy(p => p.Layer!.Attention!, StringComparer.Ordinal)
            .Where(g => g.Select(p => p.Layer!.Projection).Distinct().Count() == 4).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);

    private IReadOnlyList<PlacedModule> Placed(LoraNetwork network)
    {
        if (_placed.TryGetValue(network, out var placed)) return placed;
        placed = network.Modules.Select(m =>
        {
            var (sdKey, layer) = _map.Resolve(m.KohyaName);
            return new PlacedModule(m, sdKey, layer);
        }).ToList();
        _placed[network] = placed;
        return placed;
    }

    private Dictionary<string, Parameter> Part(NetworkLayer layer) => layer.Part == NetworkLayer.UnetPart ? _unet! : _towers[layer.Part];

    /// <summary>The parameter <paramref name="weight"/>, its original copied aside under <paramref name="key"/> before its first change.</summary>
    private Parameter KeepOriginal(string key, Parameter weight)
    {
        if (!_originals.ContainsKey(key)) _originals[key] = (weight, weight.detach().clone().DetachFromDisposeScope()); // kept across callers' scopes
        return weight;
    }

    /// <summary>Copies every kept original back: the weights are again exactly those that were loaded.</summary>
    public void Restore()
    {
        using var noGrad = no_grad();
        foreach (var (target, original) in _originals.Values) target.copy_(original);
        _active = [];
    }

    /// <summary>
    /// Throws naming the file and the modules when a LoRA's modules do not fit the models' weights, saying so first when the
    /// file is made for another family (SDXL against SD1.x/2.x or the reverse).
    /// </summary>
    public void CheckMatches(LoraNetwork network)
    {
        var problems = new List<string>();
        foreach (var (module, sdKey, layer) in Placed(network))
        {
            if (layer is null)
            {
                problems.Add($"'{module.KohyaName}' (as '{sdKey}') matches no weight");
                continue;
            }
            var weight = Part(layer)[layer.WeightParameter];
            if (module.Mismatch(weight.shape) is { } made)
                problems.Add($"'{module.KohyaName}' {made} but '{layer.WeightKey}' is [{string.Join(",", weight.shape)}]");
            else if (module.BiasDelta is { } biasDelta && layer.Projection is not (AttentionProjection.Q or AttentionProjection.K or AttentionProjection.V)
                     && (layer.BiasParameter is null || Part(layer)[layer.BiasParameter].numel() != biasDelta.numel()))
                problems.Add($"'{module.KohyaName}' changes a bias of {biasDelta.numel()} values but '{layer.WeightKey}' has " +
                    (layer.BiasParameter is null ? "none" : $"{Part(layer)[layer.BiasParameter].numel()}"));
        }
        if (problems.Count == 0) return;
        string family = LoraFamilyHint.Explain(network, _map, problems.Count) is { } hint ? hint + "; " : "";
        throw new InvalidDataException($"{network.FilePath}: {family}{problems.Count} of {network.Modules.Count} LoRA modules do not fit this model " +
            (family.Length == 0 ? "(a LoRA for another model family or size?)" : "") + ": " + string.Join("; ", problems.Take(6)) + (problems.Count > 6 ? "; ..." : ""));
    }

    private static bool SameSet(IReadOnlyList<LoraActivation> a, IReadOnlyList<LoraActivation> b) =>
        a.Count == b.Count && a.Zip(b).All(p => ReferenceEquals(p.First.Network, p.Second.Network)
            && p.First.TextEncoderMultiplier == p.Second.TextEncoderMultiplier && p.First.UnetMultiplier == p.Second.UnetMultiplier
            && p.First.DynamicDimension == p.Second.DynamicDimension);

    /// <summary>Restores the original weights and frees the copies.</summary>
    public void Dispose()
    {
        Restore();
        foreach (var (_, original) in _originals.Values) original.Dispose();
        _originals.Clear();
    }
}
