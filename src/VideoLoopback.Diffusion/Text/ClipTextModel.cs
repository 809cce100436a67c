using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Checkpoints;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// The CLIP text transformer of an SD1.x checkpoint (HF CLIPTextModel's math), loaded straight from the
/// LDM single file: token + position embeddings, pre-norm causal transformer layers with quick_gelu MLPs,
/// final layer norm. Sizes come from the weights (<see cref="ClipTextConfig.Detect(StateDictFile, string, int?)"/>); weights may be
/// stored fp32, fp16 or bf16 and are converted to the compute dtype on load. Parameter names equal the
/// checkpoint keys without the prefix. OpenCLIP towers (SD2.x, SDXL's second encoder) are bound into the same structure by
/// <see cref="OpenClipTextModel"/>, with <c>text_projection</c> [C,P] where their pooled output is used.
/// </summary>
public sealed class ClipTextModel : nn.Module<Tensor, Tensor>
{
    /// <summary>Where SD1.x checkpoints keep the text model (transformers 4.x layout).</summary>
    public const string LdmPrefix = "cond_stage_model.transformer.text_model.";
    /// <summary>The same weights as saved by older transformers versions, without "text_model.".</summary>
    public const string LegacyLdmPrefix = "cond_stage_model.transformer.";

    private readonly ClipTextEmbeddings _embeddings;
    private readonly ClipEncoderLayer[] _layers;
    private readonly LayerNorm32 _finalNorm;
    private readonly TorchSharp.Modules.Parameter? _projection;  // [C,P], towers with a projected pooled output only

    /// <summary>A model of <paramref name="config"/>'s size on <paramref name="on"/>, its weights still to be bound.</summary>
    public ClipTextModel(ClipTextConfig config, ModuleDevice on) : base(nameof(ClipTextModel))
    {
        Config = config;
        DType = on.DType;
        Device = on.Device;
        _embeddings = new ClipTextEmbeddings(config, on);
        _layers = Enumerable.Range(0, config.LayerCount).Select(_ => new ClipEncoderLayer(config, on)).ToArray();
        _finalNorm = Layers.LayerNorm(config.HiddenSize, on, config.LayerNormEpsilon);
        register_module("embeddings", _embeddings);
        register_module("encoder", new Slots(("layers", new TorchSharp.Modules.ModuleList<ClipEncoderLayer>(_layers))));
        register_module("final_layer_norm", _finalNorm);
        if (config.ProjectionSize is { } projection)
        {
            _projection = new TorchSharp.Modules.Parameter(zeros([config.HiddenSize, projection], on.DType, on.Device), requires_grad: false);
            register_parameter("text_projection", _projection);
        }
        eval();
    }

    public ClipTextConfig Config { get; }

    /// <summary>Sequences encoded × layers run for each, since creation: what FLOP accounting needs from the encodings.</summary>
    public long SequenceLayersRun { get; private set; }

    public ScalarType DType { get; }
    public Device Device { get; }

    /// <summary>Loads the text model of the checkpoint at <paramref name="path"/>.</summary>
    public static ClipTextModel FromCheckpoint(string path, Device? device = null, ScalarType dtype = ScalarType.Float32, int? headCount = null)
    {
        using var file = StateDictFile.Open(path);
        return FromCheckpoint(file, device, dtype, headCount);
    }

    /// <summary>
    /// Loads the text model from an LDM checkpoint, under <see cref="LdmPrefix"/> or, failing that,
    /// <see cref="LegacyLdmPrefix"/>. <paramref name="dtype"/> is the compute dtype (fp32 on CPU).
    /// </summary>
    public static ClipTextModel FromCheckpoint(StateDictFile file, Device? device = null, ScalarType dtype = ScalarType.Float32, int? headCount = null)
    {
        string prefix = FindPrefix(file);
        var config = ClipTextConfig.Detect(file, prefix, headCount);
        return StateDictBinding.Bound(new ClipTextModel(config, new ModuleDevice(device ?? CPU, dtype)),
            model => StateDictBinding.Load(model, file, prefix, "CLIP text"));
    }

    /// <summary>
    /// Loads the text model whose Hugging Face keys lie under <paramref name="prefix"/> (e.g. SDXL's first text encoder,
    /// <c>conditioner.embedders.0.transformer.text_model.</c>), in <paramref name="on"/>'s dtype on its device.
    /// </summary>
    public static ClipTextModel FromCheckpoint(StateDictFile file, string prefix, ModuleDevice on, int? headCount = null)
    {
        var config = ClipTextConfig.Detect(file, prefix, headCount);
        return StateDictBinding.Bound(new ClipTextModel(config, on), model => StateDictBinding.Load(model, file, prefix, "CLIP text"));
    }

    /// <summary>
    /// Builds the model from tensors keyed like the checkpoint without its prefix ("embeddings.token_embedding.weight",
    /// "encoder.layers.0.self_attn.q_proj.weight", ...), e.g. merged weights or random ones for benchmarks.
    /// The tensors are copied to <paramref name="dtype"/> on <paramref name="device"/>.
    /// </summary>
    public static ClipTextModel FromTensors(IReadOnlyDictionary<string, Tensor> weights, ClipTextConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        StateDictBinding.Bound(new ClipTextModel(config, new ModuleDevice(device ?? CPU, dtype)),
            model => StateDictBinding.Load(model, weights, "the given weights", "", "CLIP text"));

    /// <summary>The key prefix of the CLIP text weights in <paramref name="file"/>.</summary>
    public static string FindPrefix(StateDictFile file)
    {
        foreach (var prefix in new[] { LdmPrefix, LegacyLdmPrefix })
            if (file.Contains(prefix + "embeddings.token_embedding.weight")) return prefix;
        throw new InvalidDataException(
            $"{file.Path}: no CLIP text encoder found (expected '{LdmPrefix}embeddings.token_embedding.weight' or '{LegacyLdmPrefix}embeddings.token_embedding.weight'); only SD1.x checkpoints are supported");
    }

    /// <summary>Token ids [B,T] (int64, T ≤ 77) -> final-layer-normed last hidden state [B,T,C].</summary>
    public override Tensor forward(Tensor inputIds) => Encode(inputIds);

    /// <summary>
    /// WebUI's conditioning: ids [B,T] -> [B,T,C], the output of layer -<paramref name="clipSkip"/> passed
    /// through the final layer norm (clip skip 1 = the last layer; 2 = the one before it, ...). Layers
    /// after the one used are not run.
    /// </summary>
    public Tensor Encode(Tensor inputIds, int clipSkip = 1) => Encode(inputIds, clipSkip, []);

    /// <summary>
    /// <see cref="Encode(Tensor, int)"/> with textual-inversion vectors put in place of the token embeddings at
    /// <paramref name="fixes"/>' positions.
    /// </summary>
    public Tensor Encode(Tensor inputIds, int clipSkip, IReadOnlyList<TokenEmbeddingFix> fixes)
    {
        var (hidden, _) = EncodeLayer(inputIds, clipSkip, finalNorm: true, pooled: false, fixes);
        return hidden;
    }

    /// <summary>
    /// One text tower's part of a conditioning: ids [B,T] -> the output of layer -<paramref name="layerFromEnd"/> [B,T,C]
    /// (counted as clip skip is), through the final layer norm or not (SDXL reads both of its towers' penultimate layers
    /// without it), and, when <paramref name="pooled"/>, the pooled output [B,P]: the final-normed last layer at each row's
    /// highest id (its first end token), times <c>text_projection</c> where the tower has one. Layers after the one read
    /// are run only for the pooled output.
    /// </summary>
    public (Tensor Hidden, Tensor? Pooled) EncodeLayer(Tensor inputIds, int layerFromEnd, bool finalNorm, bool pooled,
        IReadOnlyList<TokenEmbeddingFix> fixes)
    {
        if (layerFromEnd < 1 || layerFromEnd > Config.LayerCount)
            throw new ArgumentOutOfRangeException(nameof(layerFromEnd), layerFromEnd, $"clip skip must be between 1 and the model's {Config.LayerCount} layers");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = CheckIds(inputIds);
        var h = _embeddings.forward(ids, fixes);
        int layersRead = Config.LayerCount - layerFromEnd + 1;
        int layersToRun = pooled ? Config.LayerCount : layersRead;
        Tensor? read = null;
        for (int i = 0; i < layersToRun; i++)
        {
            h = _layers[i].forward(h);
            if (i == layersRead - 1) read = h;
        }
        SequenceLayersRun += ids.shape[0] * layersToRun;
        var hidden = finalNorm ? _finalNorm.forward(read!) : read!;
        Tensor? pooledOutput = null;
        if (pooled)
        {
            var last = _finalNorm.forward(h);
            var rows = arange(ids.shape[0], dtype: ScalarType.Int64, device: last.device);
            pooledOutput = last.index([TensorIndex.Tensor(rows), TensorIndex.Tensor(ids.argmax(-1))]);
            if (_projection is not null) pooledOutput = pooledOutput.matmul(_projection);
            pooledOutput.MoveToOuterDisposeScope();
        }
        return (hidden.MoveToOuterDisposeScope(), pooledOutput);
    }

    /// <summary>
    /// Every hidden state (the embeddings, then each layer's output, before the final norm), the
    /// final-normed last hidden state, and the pooled output: the last hidden state at the position of
    /// the highest id of each row (the first end token), as HF computes it.
    /// </summary>
    public ClipTextOutput EncodeWithHiddenStates(Tensor inputIds)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = CheckIds(inputIds);
        var hidden = new List<Tensor> { _embeddings.forward(ids) };
        foreach (var layer in _layers) hidden.Add(layer.forward(hidden[^1]));
        SequenceLayersRun += ids.shape[0] * _layers.Length;
        var last = _finalNorm.forward(hidden[^1]);
        var rows = arange(ids.shape[0], dtype: ScalarType.Int64, device: last.device);
        var pooled = last.index([TensorIndex.Tensor(rows), TensorIndex.Tensor(ids.to(last.device).argmax(-1))]);
        foreach (var h in hidden) h.MoveToOuterDisposeScope();
        return new ClipTextOutput(hidden, last.MoveToOuterDisposeScope(), pooled.MoveToOuterDisposeScope());
    }

    private Tensor CheckIds(Tensor inputIds)
    {
        if (inputIds.dim() != 2)
            throw new ArgumentException($"token ids must be [B,T], got [{string.Join(",", inputIds.shape)}]", nameof(inputIds));
        if (inputIds.shape[1] > Config.MaxPositions)
            throw new ArgumentException($"{inputIds.shape[1]} tokens exceed the text model's {Config.MaxPositions} positions", nameof(inputIds));
        var ids = inputIds.to(ScalarType.Int64, Device);
        if (ids.numel() > 0 && (ids.min().item<long>() < 0 || ids.max().item<long>() >= Config.VocabularySize))
            throw new ArgumentException($"token ids must lie in 0..{Config.VocabularySize - 1}", nameof(inputIds));
        return ids;
    }
}
