using VideoLoopback.Diffusion.Checkpoints;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// Sizes of a CLIP text transformer. Everything except the head count is read from the weight shapes;
/// the head count cannot be (the projections are [C,C] whatever the split), so it is taken from the caller
/// when given, and otherwise from CLIP's fixed head width of 64 (CLIP-L: 768 / 64 = 12 heads).
/// <see cref="ProjectionSize"/> is set for towers whose pooled output is projected (SDXL's OpenCLIP bigG:
/// <c>text_projection</c> [C,P]); null where the projection is not part of the conditioning and is not loaded.
/// </summary>
public sealed record ClipTextConfig(
    int VocabularySize, int MaxPositions, int HiddenSize, int IntermediateSize, int LayerCount, int HeadCount,
    double LayerNormEpsilon = 1e-5, ClipActivation Activation = ClipActivation.QuickGelu, int? ProjectionSize = null)
{
    /// <summary>The head width of every released CLIP text tower (OpenAI CLIP-L, OpenCLIP H and bigG).</summary>
    public const int StandardHeadWidth = 64;

    public int HeadWidth => HiddenSize / HeadCount;

    /// <summary>OpenAI CLIP ViT-L/14's text tower, the text encoder of every SD1.x checkpoint.</summary>
    public static ClipTextConfig ClipL { get; } = new(49408, 77, 768, 3072, 12, 12);

    /// <summary>Parameter names and shapes of a model of this size, as keyed below the checkpoint prefix.</summary>
    public IEnumerable<(string Key, long[] Shape)> ParameterShapes()
    {
        yield return ("embeddings.token_embedding.weight", [VocabularySize, HiddenSize]);
        yield return ("embeddings.position_embedding.weight", [MaxPositions, HiddenSize]);
        for (int i = 0; i < LayerCount; i++)
        {
            string layer = $"encoder.layers.{i}.";
            foreach (var projection in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
            {
                yield return ($"{layer}self_attn.{projection}.weight", [HiddenSize, HiddenSize]);
                yield return ($"{layer}self_attn.{projection}.bias", [HiddenSize]);
            }
            yield return ($"{layer}layer_norm1.weight", [HiddenSize]);
            yield return ($"{layer}layer_norm1.bias", [HiddenSize]);
            yield return ($"{layer}mlp.fc1.weight", [IntermediateSize, HiddenSize]);
            yield return ($"{layer}mlp.fc1.bias", [IntermediateSize]);
            yield return ($"{layer}mlp.fc2.weight", [HiddenSize, IntermediateSize]);
            yield return ($"{layer}mlp.fc2.bias", [HiddenSize]);
            yield return ($"{layer}layer_norm2.weight", [HiddenSize]);
            yield return ($"{layer}layer_norm2.bias", [HiddenSize]);
        }
        yield return ("final_layer_norm.weight", [HiddenSize]);
        yield return ("final_layer_norm.bias", [HiddenSize]);
        if (ProjectionSize is { } projectionSize) yield return ("text_projection", [HiddenSize, projectionSize]);
    }

    /// <summary>
    /// Reads the sizes from the weights under <paramref name="prefix"/> (e.g. "cond_stage_model.transformer.text_model.").
    /// <paramref name="headCount"/> overrides the head-width-64 rule; without it a width that is not a multiple
    /// of 64 is refused, since any split would be a guess.
    /// </summary>
    public static ClipTextConfig Detect(StateDictFile file, string prefix, int? headCount = null) =>
        Detect(file.Shapes(), file.Path, prefix, headCount);

    /// <summary>As <see cref="Detect(StateDictFile, string, int?)"/>, from a key -> shape map of <paramref name="source"/>.</summary>
    public static ClipTextConfig Detect(IReadOnlyDictionary<string, long[]> shapes, string source, string prefix, int? headCount = null)
    {
        long[] Require(string key)
        {
            if (!shapes.TryGetValue(key, out var shape))
                throw new InvalidDataException($"{source}: missing CLIP text weight '{key}'");
            if (shape.Length != 2)
                throw new InvalidDataException($"{source}: '{key}' is [{string.Join(",", shape)}], expected 2 dimensions");
            return shape;
        }
        var tokenEmbedding = Require(prefix + "embeddings.token_embedding.weight");
        var positionEmbedding = Require(prefix + "embeddings.position_embedding.weight");
        int hidden = (int)tokenEmbedding[1];
        if (positionEmbedding[1] != hidden)
            throw new InvalidDataException($"{source}: '{prefix}embeddings.position_embedding.weight' is [{string.Join(",", positionEmbedding)}], expected width {hidden} like the token embedding");

        int layers = 0;
        while (shapes.ContainsKey($"{prefix}encoder.layers.{layers}.layer_norm1.weight")) layers++;
        if (layers == 0)
            throw new InvalidDataException($"{source}: no '{prefix}encoder.layers.0.*' weights: not a CLIP text transformer");
        var fc1 = Require(prefix + "encoder.layers.0.mlp.fc1.weight");

        int heads;
        if (headCount is { } given)
        {
            if (given < 1 || hidden % given != 0)
                throw new ArgumentOutOfRangeException(nameof(headCount), given, $"the CLIP text width {hidden} must split evenly into the given head count");
            heads = given;
        }
        else if (hidden % StandardHeadWidth == 0) heads = hidden / StandardHeadWidth;
        else
            throw new InvalidDataException(
                $"{source}: CLIP text width {hidden} is not a multiple of {StandardHeadWidth}, so its attention head count cannot be inferred; pass the head count explicitly");

        return new ClipTextConfig((int)tokenEmbedding[0], (int)positionEmbedding[0], hidden, (int)fc1[0], layers, heads);
    }
}
