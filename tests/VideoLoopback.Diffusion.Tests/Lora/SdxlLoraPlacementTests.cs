using TorchSharp;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Lora;

/// <summary>
/// Where WebUI's Lora extension puts kohya SDXL modules (LDM-named UNet, lora_te1_ CLIP-L, lora_te2_ OpenCLIP bigG), checked
/// against parameter-name lists, and how the OpenCLIP attention rule and the family check behave on small towers.
/// </summary>
[Trait("Area", "sdxl")]
public class SdxlLoraPlacementTests
{
    private static readonly string[] UnetParameters =
    [
        "input_blocks.0.0.weight", "input_blocks.0.0.bias",
        "input_blocks.1.0.in_layers.0.weight", "input_blocks.1.0.in_layers.2.weight", "input_blocks.1.0.in_layers.2.bias",
        "input_blocks.1.0.emb_layers.1.weight", "input_blocks.1.0.emb_layers.1.bias",
        "input_blocks.3.0.op.weight", "input_blocks.3.0.op.bias",
        "input_blocks.4.1.proj_in.weight", "input_blocks.4.1.proj_in.bias",
        "input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight", "input_blocks.4.1.transformer_blocks.1.attn2.to_k.weight",
        "input_blocks.4.1.transformer_blocks.0.attn1.to_out.0.weight", "input_blocks.4.1.transformer_blocks.0.attn1.to_out.0.bias",
        "input_blocks.4.1.transformer_blocks.0.ff.net.0.proj.weight",
        "middle_block.1.transformer_blocks.0.attn1.to_v.weight",
        "output_blocks.2.2.conv.weight", "output_blocks.2.2.conv.bias",
        "output_blocks.0.0.skip_connection.weight", "output_blocks.0.0.skip_connection.bias",
        "label_emb.0.0.weight", "label_emb.0.0.bias", "label_emb.0.2.weight", "label_emb.0.2.bias",
        "time_embed.0.weight", "time_embed.0.bias", "out.2.weight", "out.2.bias",
    ];

    private static IEnumerable<string> TowerParameters(int layers)
    {
        yield return "embeddings.token_embedding.weight";
        yield return "embeddings.position_embedding.weight";
        for (int i = 0; i < layers; i++)
            foreach (var linear in new[] { "self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.out_proj", "mlp.fc1", "mlp.fc2", "layer_norm1", "layer_norm2" })
            {
                yield return $"encoder.layers.{i}.{linear}.weight";
                yield return $"encoder.layers.{i}.{linear}.bias";
            }
        yield return "final_layer_norm.weight";
        yield return "final_layer_norm.bias";
    }

    private static NetworkLayerMap Sdxl() => new(UnetParameters,
        [(LoraTowerNaming.SdxlClipL, TowerParameters(2)), (LoraTowerNaming.SdxlBigG, TowerParameters(2))]);

    public static TheoryData<string, string, int, string, string, bool> SdxlCases => new()
    {
        // kohya module, WebUI sd_key, part (-1 UNet, else tower), parameter, message key, text-encoder multiplier
        { "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_q", "diffusion_model_input_blocks_4_1_transformer_blocks_0_attn1_to_q", -1,
            "input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight", "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight", false },
        { "lora_unet_input_blocks_4_1_transformer_blocks_1_attn2_to_k", "diffusion_model_input_blocks_4_1_transformer_blocks_1_attn2_to_k", -1,
            "input_blocks.4.1.transformer_blocks.1.attn2.to_k.weight", "model.diffusion_model.input_blocks.4.1.transformer_blocks.1.attn2.to_k.weight", false },
        { "lora_unet_input_blocks_4_1_transformer_blocks_0_attn1_to_out_0", "diffusion_model_input_blocks_4_1_transformer_blocks_0_attn1_to_out_0", -1,
            "input_blocks.4.1.transformer_blocks.0.attn1.to_out.0.weight", "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_out.0.weight", false },
        { "lora_unet_input_blocks_4_1_transformer_blocks_0_ff_net_0_proj", "diffusion_model_input_blocks_4_1_transformer_blocks_0_ff_net_0_proj", -1,
            "input_blocks.4.1.transformer_blocks.0.ff.net.0.proj.weight", "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.ff.net.0.proj.weight", false },
        { "lora_unet_input_blocks_1_0_in_layers_2", "diffusion_model_input_blocks_1_0_in_layers_2", -1,
            "input_blocks.1.0.in_layers.2.weight", "model.diffusion_model.input_blocks.1.0.in_layers.2.weight", false },
        { "lora_unet_input_blocks_3_0_op", "diffusion_model_input_blocks_3_0_op", -1, "input_blocks.3.0.op.weight", "model.diffusion_model.input_blocks.3.0.op.weight", false },
        { "lora_unet_output_blocks_2_2_conv", "diffusion_model_output_blocks_2_2_conv", -1, "output_blocks.2.2.conv.weight", "model.diffusion_model.output_blocks.2.2.conv.weight", false },
        { "lora_unet_middle_block_1_transformer_blocks_0_attn1_to_v", "diffusion_model_middle_block_1_transformer_blocks_0_attn1_to_v", -1,
            "middle_block.1.transformer_blocks.0.attn1.to_v.weight", "model.diffusion_model.middle_block.1.transformer_blocks.0.attn1.to_v.weight", false },
        { "lora_unet_label_emb_0_0", "diffusion_model_label_emb_0_0", -1, "label_emb.0.0.weight", "model.diffusion_model.label_emb.0.0.weight", false },
        { "lora_unet_time_embed_0", "diffusion_model_time_embed_0", -1, "time_embed.0.weight", "model.diffusion_model.time_embed.0.weight", false },
        // diffusers-named UNet modules go through WebUI's SD1 arithmetic, which also fits SDXL's first blocks
        { "lora_unet_down_blocks_1_attentions_0_transformer_blocks_0_attn1_to_q", "diffusion_model_input_blocks_4_1_transformer_blocks_0_attn1_to_q", -1,
            "input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight", "model.diffusion_model.input_blocks.4.1.transformer_blocks.0.attn1.to_q.weight", false },
        { "lora_unet_conv_in", "diffusion_model_input_blocks_0_0", -1, "input_blocks.0.0.weight", "model.diffusion_model.input_blocks.0.0.weight", false },
        { "lora_te1_text_model_encoder_layers_1_self_attn_q_proj", "0_transformer_text_model_encoder_layers_1_self_attn_q_proj", 0,
            "encoder.layers.1.self_attn.q_proj.weight", "conditioner.embedders.0.transformer.text_model.encoder.layers.1.self_attn.q_proj.weight", true },
        { "lora_te1_text_model_encoder_layers_0_mlp_fc2", "0_transformer_text_model_encoder_layers_0_mlp_fc2", 0,
            "encoder.layers.0.mlp.fc2.weight", "conditioner.embedders.0.transformer.text_model.encoder.layers.0.mlp.fc2.weight", true },
        { "lora_te2_text_model_encoder_layers_1_self_attn_k_proj", "1_model_transformer_resblocks_1_attn_k_proj", 1,
            "encoder.layers.1.self_attn.k_proj.weight", "conditioner.embedders.1.model.transformer.resblocks.1.attn.in_proj_weight[k rows]", true },
        { "lora_te2_text_model_encoder_layers_0_self_attn_out_proj", "1_model_transformer_resblocks_0_attn_out_proj", 1,
            "encoder.layers.0.self_attn.out_proj.weight", "conditioner.embedders.1.model.transformer.resblocks.0.attn.out_proj.weight", true },
        { "lora_te2_text_model_encoder_layers_0_mlp_fc1", "1_model_transformer_resblocks_0_mlp_c_fc", 1,
            "encoder.layers.0.mlp.fc1.weight", "conditioner.embedders.1.model.transformer.resblocks.0.mlp.c_fc.weight", true },
        { "lora_te2_text_model_encoder_layers_1_mlp_fc2", "1_model_transformer_resblocks_1_mlp_c_proj", 1,
            "encoder.layers.1.mlp.fc2.weight", "conditioner.embedders.1.model.transformer.resblocks.1.mlp.c_proj.weight", true },
    };

    [Theory]
    [MemberData(nameof(SdxlCases))]
    public void KohyaSdxlModulesArePlacedAsWebUiPlacesThem(string kohya, string sdKey, int part, string parameter, string weightKey, bool textEncoder)
    {
        var (key, layer) = Sdxl().Resolve(kohya);
        Assert.Equal(sdKey, key);
        Assert.NotNull(layer);
        Assert.Equal((part, parameter, weightKey), (layer.Part, layer.WeightParameter, layer.WeightKey));
        Assert.Equal(textEncoder, KohyaLoraNames.IsTextEncoderLayer(key));
    }

    [Fact]
    public void OpenClipProjectionsBelongToTheirMultiheadAttention()
    {
        var map = Sdxl();
        var projections = new[] { "q_proj", "k_proj", "v_proj", "out_proj" }
            .Select(p => map.Resolve($"lora_te2_text_model_encoder_layers_1_self_attn_{p}").Layer!).ToList();
        Assert.All(projections, l => Assert.Equal("1_model_transformer_resblocks_1_attn", l.Attention));
        Assert.Equal([AttentionProjection.Q, AttentionProjection.K, AttentionProjection.V, AttentionProjection.Out], projections.Select(l => l.Projection));
        // The packed in_proj's one bias is never changed by WebUI, so q/k/v have none here; out_proj keeps its own.
        Assert.Equal([null, null, null, "encoder.layers.1.self_attn.out_proj.bias"], projections.Select(l => l.BiasParameter));
        Assert.Null(map.Resolve("lora_te1_text_model_encoder_layers_1_self_attn_q_proj").Layer!.Attention);
    }

    [Theory]
    [InlineData("lora_te_text_model_encoder_layers_0_self_attn_q_proj")] // SD1 text encoder: WebUI has no such layer on SDXL
    [InlineData("lora_unet_up_blocks_0_upsamplers_0_conv")] // WebUI's SD1 rule names output_blocks_2_1_conv; SDXL's is 2_2
    [InlineData("lora_te2_text_model_encoder_layers_5_mlp_fc1")] // a deeper tower
    [InlineData("lora_unet_input_blocks_7_1_transformer_blocks_0_attn1_to_q")]
    public void ModulesWebUiCannotPlaceMatchNothing(string kohya) => Assert.Null(Sdxl().Resolve(kohya).Layer);

    [Fact]
    public void SdxlFirstTowerModulesFallBackToTheSd1TextEncoderAsInWebUi()
    {
        var sd1 = new NetworkLayerMap(UnetParameters, [(LoraTowerNaming.Sd1, TowerParameters(2))]);
        var (key, layer) = sd1.Resolve("lora_te1_text_model_encoder_layers_0_self_attn_v_proj");
        Assert.Equal("transformer_text_model_encoder_layers_0_self_attn_v_proj", key);
        Assert.Equal("cond_stage_model.transformer.text_model.encoder.layers.0.self_attn.v_proj.weight", layer!.WeightKey);
        Assert.Null(sd1.Resolve("lora_te2_text_model_encoder_layers_0_self_attn_v_proj").Layer);
    }

    [Fact]
    public void Sd2TextEncoderModulesGoToTheOpenClipTree()
    {
        var sd2 = new NetworkLayerMap(UnetParameters, [(LoraTowerNaming.Sd2, TowerParameters(2))]);
        Assert.True(sd2.IsSd2);
        var (key, layer) = sd2.Resolve("lora_te_text_model_encoder_layers_1_self_attn_q_proj");
        Assert.Equal("model_transformer_resblocks_1_attn_q_proj", key);
        Assert.Equal(("model_transformer_resblocks_1_attn", AttentionProjection.Q), (layer!.Attention, layer.Projection));
        Assert.Equal("cond_stage_model.model.transformer.resblocks.1.mlp.c_proj.weight", sd2.Resolve("lora_te_text_model_encoder_layers_1_mlp_fc2").Layer!.WeightKey);
        Assert.True(KohyaLoraNames.IsTextEncoderLayer(key));
        Assert.False(Sdxl().IsSd2);
    }

    [Fact]
    public void SdxlPeftFilesNameTheirTwoTowersLikeKohya()
    {
        Assert.True(PeftLoraNames.HasSecondTextEncoder(["unet.x.lora_A.weight", "text_encoder_2.text_model.encoder.layers.0.mlp.fc1.lora_A.weight"]));
        Assert.False(PeftLoraNames.HasSecondTextEncoder(["unet.x.lora_A.weight", "text_encoder.text_model.encoder.layers.0.mlp.fc1.lora_A.weight"]));
        Assert.Equal(("lora_te1_text_model_encoder_layers_0_self_attn_q_proj", "lora_A.weight"),
            PeftLoraNames.ToKohya("text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight", twoTextEncoders: true));
        Assert.Equal(("lora_te2_text_model_encoder_layers_1_mlp_fc2", "lora_B.weight"),
            PeftLoraNames.ToKohya("text_encoder_2.text_model.encoder.layers.1.mlp.fc2.lora_B.weight", twoTextEncoders: true));
        Assert.Equal(("lora_te_text_model_encoder_layers_0_self_attn_q_proj", "lora_A.weight"),
            PeftLoraNames.ToKohya("text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight"));
        using var network = LoraNetwork.FromTensors("peft_xl.safetensors", new Dictionary<string, Tensor>
        {
            ["text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_A.weight"] = zeros(4, 8),
            ["text_encoder.text_model.encoder.layers.0.self_attn.q_proj.lora_B.weight"] = zeros(8, 4),
            ["text_encoder_2.text_model.encoder.layers.0.mlp.fc1.lora_A.weight"] = zeros(4, 8),
            ["text_encoder_2.text_model.encoder.layers.0.mlp.fc1.lora_B.weight"] = zeros(16, 4),
        });
        Assert.Equal(["lora_te1_text_model_encoder_layers_0_self_attn_q_proj", "lora_te2_text_model_encoder_layers_0_mlp_fc1"],
            network.Modules.Select(m => m.KohyaName));
        Assert.All(network.Modules, m => Assert.NotNull(Sdxl().Resolve(m.KohyaName).Layer));
    }

    // Small towers for merging: CLIP-L-like and bigG-like with random weights.
    private static ClipTextModel Tower(int seed)
    {
        var model = new ClipTextModel(new ClipTextConfig(64, 8, 8, 16, 2, 2), new ModuleDevice(CPU, ScalarType.Float32));
        using var generator = new Generator((ulong)seed);
        using var noGrad = no_grad();
        foreach (var (_, p) in model.named_parameters()) p.copy_(randn(p.shape, generator: generator));
        return model;
    }

    private static Dictionary<string, Tensor> Pair(string module, long outputs, long inputs, int seed, float alpha = 2)
    {
        using var generator = new Generator((ulong)seed);
        return new()
        {
            [module + ".lora_down.weight"] = randn([4, inputs], generator: generator),
            [module + ".lora_up.weight"] = randn([outputs, 4], generator: generator),
            [module + ".alpha"] = tensor(alpha),
        };
    }

    private static Tensor Expected(Tensor weight, Dictionary<string, Tensor> pair, string module, double multiplier) =>
        weight + pair[module + ".lora_up.weight"].mm(pair[module + ".lora_down.weight"]) * (pair[module + ".alpha"].item<float>() / 4.0) * multiplier;

    [Fact]
    public void BigGAttentionChangesOnlyWithAllFourProjectionsAndUnmergesBitExactly()
    {
        using var clipL = Tower(1);
        using var bigG = Tower(2);
        const string layer = "lora_te2_text_model_encoder_layers_1_self_attn_";
        var full = new[] { "q_proj", "k_proj", "v_proj", "out_proj" }.SelectMany((p, i) => Pair(layer + p, 8, 8, 10 + i))
            .Concat(Pair("lora_te1_text_model_encoder_layers_0_mlp_fc1", 16, 8, 20)).ToDictionary();
        var partial = Pair(layer + "q_proj", 8, 8, 30);
        using var fullNetwork = LoraNetwork.FromTensors("full.safetensors", full);
        using var partialNetwork = LoraNetwork.FromTensors("partial.safetensors", partial);
        var bigGWeights = bigG.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var clipLWeights = clipL.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        var originals = bigGWeights.Concat(clipLWeights.Select(p => KeyValuePair.Create("L." + p.Key, p.Value)))
            .ToDictionary(p => p.Key, p => p.Value.detach().clone());

        using var merger = new LoraMerger(null, LoraTextTower.For([clipL, bigG]));
        merger.Apply([new LoraActivation(partialNetwork, 0.8, 0.7)]);
        Assert.True(AdapterGolden.BitEqual(bigGWeights["encoder.layers.1.self_attn.q_proj.weight"], originals["encoder.layers.1.self_attn.q_proj.weight"]),
            "a lone q_proj module changed bigG's attention; WebUI leaves it out");

        merger.Apply([new LoraActivation(fullNetwork, 0.8, 0.7)]);
        foreach (var p in new[] { "q_proj", "k_proj", "v_proj", "out_proj" })
        {
            string parameter = $"encoder.layers.1.self_attn.{p}.weight";
            using var expected = Expected(originals[parameter], full, layer + p, 0.8);
            Assert.True(AdapterGolden.MaxAbs(bigGWeights[parameter], expected) <= 1e-5, $"{parameter} merged wrongly");
        }
        using var expectedFc1 = Expected(originals["L.encoder.layers.0.mlp.fc1.weight"], full, "lora_te1_text_model_encoder_layers_0_mlp_fc1", 0.8);
        Assert.True(AdapterGolden.MaxAbs(clipLWeights["encoder.layers.0.mlp.fc1.weight"], expectedFc1) <= 1e-5, "CLIP-L fc1 merged wrongly");

        merger.Restore();
        foreach (var (name, parameter) in bigGWeights) Assert.True(AdapterGolden.BitEqual(parameter, originals[name]), $"bigG {name} not restored bit-exactly");
        foreach (var (name, parameter) in clipLWeights) Assert.True(AdapterGolden.BitEqual(parameter, originals["L." + name]), $"CLIP-L {name} not restored bit-exactly");
    }

    [Fact]
    public void Sd1LoraOnSdxlModelIsNamedAsSuch()
    {
        using var clipL = Tower(1);
        using var bigG = Tower(2);
        using var network = LoraNetwork.FromTensors("/loras/anime_sd15.safetensors",
            Pair("lora_te_text_model_encoder_layers_0_self_attn_q_proj", 8, 8, 1)
                .Concat(Pair("lora_te_text_model_encoder_layers_1_mlp_fc1", 16, 8, 2)).ToDictionary());
        using var merger = new LoraMerger(null, LoraTextTower.For([clipL, bigG]));
        var error = Assert.Throws<InvalidDataException>(() => merger.Apply([new LoraActivation(network, 1, 1)]));
        Assert.StartsWith("/loras/anime_sd15.safetensors: 'anime_sd15' is an SD 1.x/2.x LoRA", error.Message);
        Assert.Contains("the model is SDXL", error.Message);
        Assert.Equal(0, merger.BackedUpWeights);
    }

    [Fact]
    public void SdxlLoraOnSd1ModelIsNamedAsSuch()
    {
        using var clip = Tower(1);
        using var network = LoraNetwork.FromTensors("/loras/style_xl.safetensors",
            Pair("lora_te1_text_model_encoder_layers_0_self_attn_q_proj", 8, 8, 1)
                .Concat(Pair("lora_te2_text_model_encoder_layers_0_mlp_fc1", 16, 8, 2)).ToDictionary());
        using var merger = new LoraMerger(null, clip);
        var error = Assert.Throws<InvalidDataException>(() => merger.Apply([new LoraActivation(network, 1, 1)]));
        Assert.StartsWith("/loras/style_xl.safetensors: 'style_xl' is an SDXL LoRA", error.Message);
        Assert.Contains("the model is SD 1.x/2.x", error.Message);
        Assert.Contains("lora_te2_text_model_encoder_layers_0_mlp_fc1", error.Message);
    }
}
