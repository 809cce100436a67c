using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Lora;

/// <summary>Refusals with one message naming the file and what was wrong.</summary>
[Trait("Area", "adapters")]
public class LoraBadInputTests
{
    private static string TinyModel => Path.GetFullPath(Path.Combine(AdapterGolden.LoraFolder, "..", "..", "sd15", "tiny-sd15.safetensors"));

    [Fact]
    public void LoraWhoseKeysMatchNothingIsRefusedBeforeAnyWeightChanges()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Root, "foreign.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["lora_unet_nowhere_block_proj.lora_down.weight"] = zeros(2, 8),
            ["lora_unet_nowhere_block_proj.lora_up.weight"] = zeros(8, 2),
        });
        using var network = LoraNetwork.Load(path);
        using var unet = AdapterGolden.LoadUnet(TinyModel);
        using var merger = new LoraMerger(unet, textEncoder: null);
        var error = Assert.Throws<InvalidDataException>(() => merger.Apply([new LoraActivation(network, 1, 1)]));
        Assert.Contains("foreign.safetensors", error.Message);
        Assert.Contains("lora_unet_nowhere_block_proj", error.Message);
        Assert.Equal(0, merger.BackedUpWeights);
    }

    [Fact]
    public void LoraForAnotherSizeIsRefused()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Root, "wide.safetensors");
        // attn1.to_q of the tiny model is [32,32]; this LoRA was made for a 320-wide model.
        const string module = "lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn1_to_q";
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            [module + ".lora_down.weight"] = zeros(4, 320),
            [module + ".lora_up.weight"] = zeros(320, 4),
        });
        using var network = LoraNetwork.Load(path);
        using var unet = AdapterGolden.LoadUnet(TinyModel);
        using var merger = new LoraMerger(unet, textEncoder: null);
        var error = Assert.Throws<InvalidDataException>(() => merger.Apply([new LoraActivation(network, 1, 1)]));
        Assert.Contains(module, error.Message);
        Assert.Contains("[32,32]", error.Message);
    }

    [Fact]
    public void NonLoraKeyIsRefused()
    {
        using var folder = new TempFolder();
        var path = Path.Combine(folder.Root, "loha.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["lora_unet_x.hada_w1_a"] = zeros(2, 2) });
        var error = Assert.Throws<InvalidDataException>(() => LoraNetwork.Load(path));
        Assert.Contains("loha.safetensors", error.Message);
        Assert.Contains("hada_w1_a", error.Message);
    }

    [Fact]
    public void UnknownNameIsAWarningNotAnError()
    {
        var warnings = new List<string>();
        using var library = new LoraLibrary(AdapterGolden.LoraFolder, warnings.Add);
        var (text, set) = library.FromPrompt("cat <lora:does_not_exist:0.7>");
        Assert.Equal("cat ", text);
        Assert.Empty(set);
        Assert.Single(warnings);
        Assert.Contains("does_not_exist", warnings[0]);
    }
}
