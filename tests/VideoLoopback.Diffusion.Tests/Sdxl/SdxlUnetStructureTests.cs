using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Unet;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// The sgm UNet structure SDXL adds: per-level transformer depths, levels without attention, label_emb over the vector y.
/// Checked on a tiny configuration (the tiny SDXL reference model's) and on sd_xl_base.yaml on the meta device.
/// </summary>
public class SdxlUnetStructureTests
{
    /// <summary>The tiny SDXL reference UNet: model_channels 32, [1,2,2], depths [0,1,2], middle 2, heads 16 wide, adm 1584.</summary>
    internal static UnetConfig Tiny() => new(4, 4, 32, [1, 2, 2], 2, [false, true, true], true, 2, 96, true, 32, HeadChannels: 16,
        LevelTransformerDepths: [0, 1, 2], MiddleTransformerDepth: 2, AdmInChannels: 1584);

    private static Dictionary<string, long[]> ShapesOf(nn.Module module) =>
        module.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);

    [Fact]
    public void SdxlBaseHasTheReferenceParameterCountAndBlockNames()
    {
        using var unet = new UnetModel(UnetConfig.StableDiffusionXL(), ModuleDevice.Meta);
        var shapes = ShapesOf(unet);
        // sgm UNetModel(sd_xl_base.yaml network_config) has 2,567,463,684 parameters.
        Assert.Equal(2_567_463_684L, shapes.Values.Sum(s => s.Aggregate(1L, (a, b) => a * b)));
        Assert.Equal([1280L, 2816], shapes["label_emb.0.0.weight"]);
        Assert.Equal([1280L, 1280], shapes["label_emb.0.2.weight"]);
        Assert.DoesNotContain(shapes.Keys, k => k.StartsWith("input_blocks.1.1.", StringComparison.Ordinal));
        Assert.Contains("input_blocks.4.1.transformer_blocks.1.attn2.to_k.weight", shapes.Keys);
        Assert.DoesNotContain("input_blocks.4.1.transformer_blocks.2.norm1.weight", shapes.Keys);
        Assert.Contains("input_blocks.7.1.transformer_blocks.9.ff.net.2.weight", shapes.Keys);
        Assert.Contains("middle_block.1.transformer_blocks.9.norm3.weight", shapes.Keys);
        Assert.Contains("output_blocks.0.1.transformer_blocks.9.attn1.to_q.weight", shapes.Keys);
        Assert.Contains("output_blocks.5.2.conv.weight", shapes.Keys);
        Assert.DoesNotContain(shapes.Keys, k => k.StartsWith("output_blocks.6.1.", StringComparison.Ordinal));
        Assert.Equal([1280L, 2048], shapes["output_blocks.2.1.transformer_blocks.0.attn2.to_k.weight"]);
    }

    [Fact]
    public void DetectorReadsTheSdxlConfigBackFromTheKeys()
    {
        foreach (var config in new[] { UnetConfig.StableDiffusionXL(), Tiny() })
        {
            using var unet = new UnetModel(config, ModuleDevice.Meta);
            var detected = UnetConfigDetector.Detect(ShapesOf(unet), "test") with { HeadChannels = config.HeadChannels };
            Assert.True(detected.SameArchitecture(config), $"detected {detected}");
            Assert.Equal(config.LevelTransformerDepths, detected.LevelTransformerDepths);
            Assert.Equal(config.MiddleTransformerDepth, detected.MiddleTransformerDepth);
            Assert.Equal(config.AdmInChannels, detected.AdmInChannels);
        }
    }

    [Fact]
    public void KeySetIsRebuiltFromTheStructureAndCatchesALostBlock()
    {
        const string prefix = "model.diffusion_model.";
        foreach (var config in new[] { UnetConfig.StableDiffusionXL(), Tiny() })
        {
            using var unet = new UnetModel(config, ModuleDevice.Meta);
            var shapes = ShapesOf(unet).ToDictionary(kv => prefix + kv.Key, kv => kv.Value);
            var index = CheckpointTensorIndex.FromShapes(shapes);
            var structure = LdmUNetKeys.Infer(index, prefix);
            Assert.NotNull(structure);
            Assert.Equal(config.ChannelMult.Select((_, l) => config.DepthAt(l)), structure.LevelDepths);
            Assert.Equal(config.MiddleDepth, structure.MiddleDepth);
            Assert.Equal(config.AdmInChannels, structure.AdmInChannels);
            var expected = LdmUNetKeys.Expected(index, prefix, structure, controlNet: false);
            Assert.True(expected.SetEquals(shapes.Keys), $"{config.ModelChannels}: expected-only " +
                string.Join(", ", expected.Except(shapes.Keys).Take(5)) + "; file-only " + string.Join(", ", shapes.Keys.Except(expected).Take(5)));

            // A transformer that lost its last block (its level's others still show the depth) is caught.
            string lost = $"{prefix}input_blocks.5.1.transformer_blocks.{config.DepthAt(1) - 1}.";
            var damaged = CheckpointTensorIndex.FromShapes(shapes.Where(kv => !kv.Key.StartsWith(lost, StringComparison.Ordinal)).ToDictionary());
            var again = LdmUNetKeys.Expected(damaged, prefix, LdmUNetKeys.Infer(damaged, prefix)!, controlNet: false);
            Assert.Contains(lost + "norm1.weight", again);
        }
    }

    [Fact]
    public void FlopsCountEveryTransformerBlockAndLabelEmb()
    {
        // Counted by forward hooks on sgm's UNetModel at the tiny config (every Conv2d and Linear output element times its
        // fan-in, plus q k^T and the weighted sum of v in scaled_dot_product_attention), x [2,4,16,16], 77 tokens, y [2,1584].
        Assert.Equal(617_586_688.0, VideoLoopback.Diffusion.Pipelines.NetworkFlops.Unet(Tiny(), 2, 16, 16, 77));
    }

    [Fact]
    public void UniformDepthsKeepTheSingleTransformerDepth()
    {
        using var unet = new UnetModel(UnetConfig.StableDiffusion15(), ModuleDevice.Meta);
        var detected = UnetConfigDetector.Detect(ShapesOf(unet), "test");
        Assert.Null(detected.LevelTransformerDepths);
        Assert.Null(detected.MiddleTransformerDepth);
        Assert.Equal(0, detected.AdmInChannels);
        Assert.Equal(1, detected.TransformerDepth);
    }

    [Fact]
    public void ForwardTakesTheVectorAndItChangesEps()
    {
        manual_seed(1);
        using var scope = NewDisposeScope();
        using var unet = new UnetModel(Tiny(), ModuleDevice.Cpu);
        var x = randn(2, 4, 8, 8);
        var t = tensor(new long[] { 10, 500 });
        var context = randn(2, 77, 96);
        var y = randn(2, 1584);
        var eps = unet.Forward(x, t, context, y: y);
        Assert.Equal([2L, 4, 8, 8], eps.shape);
        var other = unet.Forward(x, t, context, y: y + 1);
        Assert.True((eps - other).abs().max().item<float>() > 0, "y did not reach the output");
        Assert.Throws<ArgumentException>(() => unet.Forward(x, t, context));
        Assert.Throws<ArgumentException>(() => unet.Forward(x, t, context, y: randn(2, 10)));
    }

    [Fact]
    public void Sd15RefusesAVector()
    {
        using var unet = new UnetModel(UnetConfig.StableDiffusion15() with { ModelChannels = 32, ContextDim = 16, TimeEmbedInput = 32 }, ModuleDevice.Cpu);
        Assert.Throws<ArgumentException>(() => unet.Forward(randn(1, 4, 8, 8), tensor(new long[] { 1 }), randn(1, 77, 16), y: randn(1, 4)));
    }
}
