using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// An OpenCLIP text tower (SD2.x's ViT-H, LDM's FrozenOpenCLIPEmbedder under <c>cond_stage_model.model.</c>) as a
/// <see cref="ClipTextModel"/>: the same pre-norm causal transformer, with exact GELU instead of quick_gelu and other key names.
/// Each block's packed <c>attn.in_proj_weight</c>/<c>in_proj_bias</c> ([3C,C], rows q, k, v as nn.MultiheadAttention splits
/// them) is bound as the three q/k/v projections. <c>logit_scale</c> is never loaded; <c>text_projection</c> ([C,P]) only
/// for towers whose pooled output is part of the conditioning (SDXL's bigG; not SD2.x's ViT-H).
/// </summary>
public static class OpenClipTextModel
{
    /// <summary>Where SD2.x checkpoints keep the tower.</summary>
    public const string LdmPrefix = "cond_stage_model.model.";

    /// <summary>
    /// Loads the tower under <paramref name="prefix"/>. The head count is not in the weights: <paramref name="headCount"/>, or
    /// the released towers' 64-wide heads (ViT-H: 1024 / 64 = 16). <paramref name="withProjection"/> also loads
    /// <c>text_projection</c>, for the pooled output.
    /// </summary>
    public static ClipTextModel FromCheckpoint(StateDictFile file, Device? device = null, ScalarType dtype = ScalarType.Float32,
        int? headCount = null, string prefix = LdmPrefix, bool withProjection = false)
    {
        var config = Detect(file.Shapes(), file.Path, prefix, headCount, withProjection);
        var shapes = config.ParameterShapes().ToDictionary(p => p.Key, p => p.Shape);
        return StateDictBinding.Bound(new ClipTextModel(config, new ModuleDevice(device ?? CPU, dtype)),
            model => StateDictBinding.Bind(model, shapes, file.Path, "", "OpenCLIP text",
                (key, like) =>
                {
                    using var scope = NewDisposeScope();
                    like.copy_(Read(file, prefix, key, config.HiddenSize));
                }));
    }

    /// <summary>
    /// The sizes of the tower under <paramref name="prefix"/>, read from the weight shapes; with <paramref name="withProjection"/>
    /// the projection width P of <c>text_projection</c> [C,P] as well.
    /// </summary>
    public static ClipTextConfig Detect(IReadOnlyDictionary<string, long[]> shapes, string source, string prefix = LdmPrefix, int? headCount = null,
        bool withProjection = false)
    {
        long[] Require(string key)
        {
            if (!shapes.TryGetValue(prefix + key, out var shape)) throw new InvalidDataException($"{source}: missing OpenCLIP text weight '{prefix + key}'");
            if (shape.Length != 2) throw new InvalidDataException($"{source}: '{prefix + key}' is [{string.Join(",", shape)}], expected 2 dimensions");
            return shape;
        }
        var token = Require("token_embedding.weight");
        var positions = Require("positional_embedding");
        int hidden = (int)token[1];
        if (positions[1] != hidden)
            throw new InvalidDataException($"{source}: '{prefix}positional_embedding' is [{string.Join(",", positions)}], expected width {hidden} like the token embedding");
        int layers = 0;
        while (shapes.ContainsKey($"{prefix}transformer.resblocks.{layers}.ln_1.weight")) layers++;
        if (layers == 0) throw new InvalidDataException($"{source}: no '{prefix}transformer.resblocks.0.*' weights: not an OpenCLIP text tower");
        var inProj = Require("transformer.resblocks.0.attn.in_proj_weight");
        if (inProj[0] != 3 * hidden || inProj[1] != hidden)
            throw new InvalidDataException($"{source}: '{prefix}transformer.resblocks.0.attn.in_proj_weight' is [{string.Join(",", inProj)}], expected [{3 * hidden},{hidden}]");
        var fc = Require("transformer.resblocks.0.mlp.c_fc.weight");
        int heads = headCount ?? (hidden % ClipTextConfig.StandardHeadWidth == 0 ? hidden / ClipTextConfig.StandardHeadWidth
            : throw new InvalidDataException($"{source}: OpenCLIP text width {hidden} is not a multiple of {ClipTextConfig.StandardHeadWidth}, so its attention head count cannot be inferred; pass the head count explicitly"));
        if (heads < 1 || hidden % heads != 0)
            throw new ArgumentOutOfRangeException(nameof(headCount), heads, $"the OpenCLIP text width {hidden} must split evenly into the head count");
        int? projection = null;
        if (withProjection)
        {
            var textProjection = Require("text_projection");
            if (textProjection[0] != hidden)
                throw new InvalidDataException($"{source}: '{prefix}text_projection' is [{string.Join(",", textProjection)}], expected [{hidden},P] (the tower's width first)");
            projection = (int)textProjection[1];
        }
        return new ClipTextConfig((int)token[0], (int)positions[0], hidden, (int)fc[0], layers, heads, Activation: ClipActivation.Gelu,
            ProjectionSize: projection);
    }

    /// <summary>
    /// The OpenCLIP key (below the prefix) behind a <see cref="ClipTextModel"/> parameter name, and which third of it the
    /// parameter is (0, 1, 2 = q, k, v rows of a packed in_proj; -1 = the whole tensor).
    /// </summary>
    public static (string Key, int Third) SourceOf(string parameter)
    {
        const string layersPrefix = "encoder.layers.";
        if (parameter == "embeddings.token_embedding.weight") return ("token_embedding.weight", -1);
        if (parameter == "embeddings.position_embedding.weight") return ("positional_embedding", -1);
        if (parameter == "text_projection") return ("text_projection", -1);
        if (parameter.StartsWith("final_layer_norm.", StringComparison.Ordinal)) return ("ln_final." + parameter["final_layer_norm.".Length..], -1);
        if (!parameter.StartsWith(layersPrefix, StringComparison.Ordinal)) throw new InvalidDataException($"no OpenCLIP tensor for '{parameter}'");
        int dot = parameter.IndexOf('.', layersPrefix.Length);
        string block = $"transformer.resblocks.{parameter[layersPrefix.Length..dot]}.";
        string part = parameter[(dot + 1)..];
        string suffix = part[(part.LastIndexOf('.') + 1)..];
        foreach (var (name, third) in new[] { ("self_attn.q_proj.", 0), ("self_attn.k_proj.", 1), ("self_attn.v_proj.", 2) })
            if (part.StartsWith(name, StringComparison.Ordinal)) return (block + "attn.in_proj_" + suffix, third);
        foreach (var (clip, openClip) in new[] { ("self_attn.out_proj.", "attn.out_proj."), ("layer_norm1.", "ln_1."), ("layer_norm2.", "ln_2."),
                     ("mlp.fc1.", "mlp.c_fc."), ("mlp.fc2.", "mlp.c_proj.") })
            if (part.StartsWith(clip, StringComparison.Ordinal)) return (block + openClip + part[clip.Length..], -1);
        throw new InvalidDataException($"no OpenCLIP tensor for '{parameter}'");
    }

    private static Tensor Read(StateDictFile file, string prefix, string parameter, long width)
    {
        var (key, third) = SourceOf(parameter);
        if (third < 0) return file.Load(prefix + key);
        using var packed = file.Load(prefix + key);
        return packed.narrow(0, third * width, width).clone();
    }
}
