using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Lora;

/// <summary>How LoRA-family files are recognised, named and found.</summary>
[Trait("Area", "adapters")]
public class LycorisFormatTests
{
    private const string Module = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";

    [Fact]
    public void EachKindIsRecognisedByItsParts()
    {
        using var network = LoraNetwork.Load(Path.Combine(GoldenData.Path("adapters", "lycoris"), "loha.safetensors"));
        Assert.All(network.Modules, m => Assert.IsType<LohaModule>(m));
        using var lokr = LoraNetwork.Load(Path.Combine(GoldenData.Path("adapters", "lycoris"), "lokr_full_w1.pt"));
        Assert.All(lokr.Modules, m => Assert.IsType<LokrModule>(m));
        using var full = LoraNetwork.Load(Path.Combine(GoldenData.Path("adapters", "lycoris"), "full.safetensors"));
        Assert.All(full.Modules, m => Assert.IsType<FullDiffModule>(m));
    }

    [Fact]
    public void PeftNamesMapToKohyaModules()
    {
        Assert.Equal((Module, "lora_A.weight"),
            PeftLoraNames.ToKohya("unet.down_blocks.0.attentions.0.transformer_blocks.0.attn1.to_q.lora_A.weight"));
        Assert.Equal(("lora_te_text_model_encoder_layers_3_self_attn_out_proj", "lora_B.weight"),
            PeftLoraNames.ToKohya("text_encoder.text_model.encoder.layers.3.self_attn.out_proj.lora_B.weight"));
        Assert.Equal(("lora_unet_up_blocks_1_attentions_0_transformer_blocks_0_attn1_to_out_0", "alpha"),
            PeftLoraNames.ToKohya("base_model.model.unet.up_blocks.1.attentions.0.transformer_blocks.0.attn1.to_out.0.alpha"));
        Assert.Null(PeftLoraNames.ToKohya(Module + ".lora_down.weight"));
    }

    [Fact]
    public void KohyaNamedPeftPairIgnoresAlphaAsWebUiDoes()
    {
        using var network = LoraNetwork.FromTensors("x", new Dictionary<string, Tensor>
        {
            [Module + ".lora_A.weight"] = ones(4, 32), [Module + ".lora_B.weight"] = ones(32, 4), [Module + ".alpha"] = tensor(1f),
        });
        var module = Assert.IsType<LoraModule>(Assert.Single(network.Modules));
        Assert.Equal(1.0, module.Scale);
        Assert.Equal(Module, module.KohyaName);
    }

    [Fact]
    public void UnknownPartsAndIncompleteModulesNameTheFileAndKeys()
    {
        var e = Assert.Throws<InvalidDataException>(() => LoraNetwork.FromTensors("odd.safetensors", new Dictionary<string, Tensor>
        {
            [Module + ".lora_down.weight"] = ones(4, 32), [Module + ".lora_up.weight"] = ones(32, 4), [Module + ".lora_mid.weight"] = ones(4, 4, 1, 1),
        }));
        Assert.Contains("odd.safetensors", e.Message);
        Assert.Contains(Module + ".lora_mid.weight", e.Message);
        e = Assert.Throws<InvalidDataException>(() => LoraNetwork.FromTensors("half.safetensors", new Dictionary<string, Tensor>
        {
            [Module + ".lokr_w1"] = ones(4, 4),
        }));
        Assert.Contains("half.safetensors", e.Message);
        Assert.Contains("lokr_w1", e.Message);
    }

    [Fact]
    public void LibraryFindsPtAndCkptFilesPreferringSafetensors()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.PathOf("sub"));
        File.WriteAllBytes(folder.PathOf(Path.Combine("sub", "style.pt")), [1]);
        Assert.Equal(folder.PathOf(Path.Combine("sub", "style.pt")), LoraLibrary.FindFile(folder.Root, "Style"));
        SafetensorsWriter.Write(folder.PathOf("style.safetensors"), new Dictionary<string, Tensor> { ["a"] = zeros(1) });
        Assert.Equal(folder.PathOf("style.safetensors"), LoraLibrary.FindFile(folder.Root, "style"));
        File.WriteAllBytes(folder.PathOf("old.ckpt"), [1]);
        Assert.Equal(folder.PathOf("old.ckpt"), LoraLibrary.FindFile(folder.Root, "old"));
        Assert.Null(LoraLibrary.FindFile(folder.Root, "missing"));
    }
}
