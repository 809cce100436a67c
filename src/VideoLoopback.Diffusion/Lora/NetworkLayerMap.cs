using System.Text.RegularExpressions;
using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Lora;

/// <summary>
/// WebUI's network_layer_mapping for a model (assign_network_names_to_compvis_modules) and its way of finding a LoRA
/// module's layer in it (load_network). Layer names are module paths with '.' as '_': the UNet's under
/// <c>diffusion_model_</c>; a text tower's under its naming's layer prefix, either the HF CLIP tree
/// (<c>transformer_text_model_…</c>) or the OpenCLIP tree (<c>model_transformer_resblocks_N_attn</c>, an nn.MultiheadAttention
/// holding q/k/v, with <c>…_attn_out_proj</c>, <c>…_mlp_c_fc</c>, <c>…_mlp_c_proj</c>). Our towers keep HF parameter names
/// either way, so an OpenCLIP tower's q/k/v/out/fc1/fc2 are placed where WebUI names them.
/// </summary>
public sealed partial class NetworkLayerMap
{
    private readonly Dictionary<string, NetworkLayer> _layers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, NetworkLayer[]> _attentions = new(StringComparer.Ordinal);

    /// <summary>
    /// WebUI's is_sd2: the map has the layer "model_transformer_resblocks", i.e. the model's one text tower is OpenCLIP.
    /// </summary>
    public bool IsSd2 { get; }

    /// <summary>The kohya prefixes of the model's text towers, in order.</summary>
    public IReadOnlyList<string> TowerPrefixes { get; }

    /// <summary>Whether the model has a UNet part.</summary>
    public bool HasUnet { get; }

    [GeneratedRegex(@"^(.*)_([qkv]_proj)$")] private static partial Regex ProjectionName();
    [GeneratedRegex(@"^encoder\.layers\.(\d+)\.(self_attn\.(?:q|k|v|out)_proj|mlp\.fc1|mlp\.fc2)\.weight$")] private static partial Regex OpenClipLinear();

    /// <param name="unetParameters">The UNet's parameter names (the checkpoint keys below <c>model.diffusion_model.</c>), or null.</param>
    /// <param name="towers">Each text tower's naming and parameter names (HF CLIP names below <c>text_model.</c>).</param>
    public NetworkLayerMap(IEnumerable<string>? unetParameters, IReadOnlyList<(LoraTowerNaming Naming, IEnumerable<string> Parameters)> towers)
    {
        HasUnet = unetParameters is not null;
        if (unetParameters is not null)
        {
            var names = unetParameters.ToHashSet(StringComparer.Ordinal);
            foreach (var name in names.Where(n => n.EndsWith(".weight", StringComparison.Ordinal)))
            {
                string module = name[..^".weight".Length];
                string? bias = names.Contains(module + ".bias") ? module + ".bias" : null;
                _layers["diffusion_model_" + module.Replace('.', '_')] =
                    new NetworkLayer(NetworkLayer.UnetPart, name, bias, KohyaLoraNames.UnetKeyPrefix + name);
            }
        }
        for (int part = 0; part < towers.Count; part++)
        {
            var (naming, parameters) = towers[part];
            var names = parameters.ToHashSet(StringComparer.Ordinal);
            foreach (var name in names.Where(n => n.EndsWith(".weight", StringComparison.Ordinal)))
            {
                string module = name[..^".weight".Length];
                string? bias = names.Contains(module + ".bias") ? module + ".bias" : null;
                if (!naming.IsOpenClip)
                {
                    _layers[naming.LayerPrefix + "transformer_text_model_" + module.Replace('.', '_')] =
                        new NetworkLayer(part, name, bias, naming.CheckpointPrefix + name);
                    continue;
                }
                var m = OpenClipLinear().Match(name);
                if (!m.Success) continue; // norms and embeddings: no LoRA kind here changes them
                AddOpenClipLinear(part, naming, name, bias, m.Groups[1].Value, m.Groups[2].Value);
            }
            if (naming.IsOpenClip && naming.LayerPrefix.Length == 0) IsSd2 = true;
        }
        TowerPrefixes = towers.Select(t => t.Naming.KohyaPrefix).ToList();
    }

    private void AddOpenClipLinear(int part, LoraTowerNaming naming, string parameter, string? bias, string block, string linear)
    {
        string attention = $"{naming.LayerPrefix}model_transformer_resblocks_{block}_attn";
        var (source, third) = OpenClipTextModel.SourceOf(parameter);
        string key = naming.CheckpointPrefix + source + (third >= 0 ? $"[{"qkv"[third]} rows]" : "");
        switch (linear)
        {
            case "mlp.fc1":
                _layers[$"{naming.LayerPrefix}model_transformer_resblocks_{block}_mlp_c_fc"] = new NetworkLayer(part, parameter, bias, key);
                break;
            case "mlp.fc2":
                _layers[$"{naming.LayerPrefix}model_transformer_resblocks_{block}_mlp_c_proj"] = new NetworkLayer(part, parameter, bias, key);
                break;
            case "self_attn.out_proj":
                var output = new NetworkLayer(part, parameter, bias, key, attention, AttentionProjection.Out);
                _layers[attention + "_out_proj"] = output;
                Slots(attention)[3] = output;
                break;
            default:
                int index = "qkv".IndexOf(linear[^6]);
                // The packed in_proj has one bias; WebUI never changes it (the q/k/v modules' ex_bias is dropped).
                Slots(attention)[index] = new NetworkLayer(part, parameter, null, key, attention, (AttentionProjection)(index + 1));
                break;
        }
    }

    private NetworkLayer[] Slots(string attention) =>
        _attentions.TryGetValue(attention, out var slots) ? slots : _attentions[attention] = new NetworkLayer[4];

    /// <summary>The layer under a network layer name, if any.</summary>
    public NetworkLayer? Layer(string networkLayerName) => _layers.GetValueOrDefault(networkLayerName);

    /// <summary>
    /// WebUI's sd_key of a kohya module and the layer it changes, found as load_network does: the converted name; for a name
    /// ending in <c>_q_proj</c>/<c>_k_proj</c>/<c>_v_proj</c>, that projection of the nn.MultiheadAttention named by the rest;
    /// then, for SDXL's LDM-named files, <c>lora_unet</c> as <c>diffusion_model</c>, or <c>lora_te1_text_model</c> as
    /// <c>0_transformer_text_model</c> (else <c>transformer_text_model</c>). Layer null: WebUI matches nothing.
    /// </summary>
    public (string SdKey, NetworkLayer? Layer) Resolve(string kohyaModule)
    {
        string key = KohyaLoraNames.ToNetworkLayerName(kohyaModule, IsSd2);
        var layer = Layer(key);
        if (layer is null && ProjectionName().Match(key) is { Success: true } projection
            && _attentions.TryGetValue(projection.Groups[1].Value, out var slots))
            layer = slots["qkv".IndexOf(projection.Groups[2].Value[0])];
        if (layer is null && kohyaModule.Contains("lora_unet", StringComparison.Ordinal))
        {
            key = kohyaModule.Replace("lora_unet", "diffusion_model", StringComparison.Ordinal);
            layer = Layer(key);
        }
        else if (layer is null && kohyaModule.Contains("lora_te1_text_model", StringComparison.Ordinal))
        {
            key = kohyaModule.Replace("lora_te1_text_model", "0_transformer_text_model", StringComparison.Ordinal);
            layer = Layer(key);
            if (layer is null)
            {
                key = kohyaModule.Replace("lora_te1_text_model", "transformer_text_model", StringComparison.Ordinal);
                layer = Layer(key);
            }
        }
        return (key, layer);
    }
}
