namespace VideoLoopback.Diffusion.Lora;

/// <summary>Which projection of an nn.MultiheadAttention (an OpenCLIP tower's attention, as WebUI sees it) a layer is.</summary>
public enum AttentionProjection { None, Q, K, V, Out }

/// <summary>
/// A weight WebUI's Lora extension can change, found under a network layer name. <paramref name="Part"/> is the model part
/// that holds it (-1 the UNet, otherwise the index of the text tower), <paramref name="WeightParameter"/> and
/// <paramref name="BiasParameter"/> its parameter names there; <paramref name="WeightKey"/> names it in messages (the checkpoint
/// key; a packed OpenCLIP in_proj with the projection's rows). For an OpenCLIP tower's attention,
/// <paramref name="Attention"/> is the nn.MultiheadAttention's layer name: WebUI changes its four projections only together.
/// </summary>
public sealed record NetworkLayer(int Part, string WeightParameter, string? BiasParameter, string WeightKey,
    string? Attention = null, AttentionProjection Projection = AttentionProjection.None)
{
    public const int UnetPart = -1;

    /// <summary>The weight's key unique across the model's parts (for backups).</summary>
    public string UniqueWeightKey => $"{Part}:{WeightParameter}";

    /// <summary>The bias's key unique across the model's parts, or null when the layer has no bias.</summary>
    public string? UniqueBiasKey => BiasParameter is null ? null : $"{Part}:{BiasParameter}";
}
