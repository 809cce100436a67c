using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Checkpoints;

/// <summary>Variations of real key lists: tolerated extras, missing and unexpected keys, other families.</summary>
public class CheckpointInspectorTests
{
    private static List<TensorDescriptor> Sd15() =>
        KeyManifest.ReadSd15Style(GoldenData.Path("sd15", "manifests", "sd15_v1-inference.json"));

    private static TensorDescriptor F32(string name, params long[] shape) => new(name, shape, SafetensorsDType.F32);

    [Fact]
    public void ExtrasRealFilesCarryAreIgnored()
    {
        var keys = Sd15();
        keys.Add(F32("model_ema.decay"));
        keys.Add(new TensorDescriptor("model_ema.num_updates", [], SafetensorsDType.I32));
        keys.Add(F32("model_ema.diffusion_modelinput_blocks00weight", 320, 4, 3, 3));
        keys.Add(F32("lvlb_weights", 1000));
        keys.Add(F32("first_stage_model.loss.logvar"));
        keys.Add(F32("loss.discriminator.main.0.weight", 64, 3, 4, 4));
        var info = CheckpointInspector.Inspect("extras", keys);
        GoldenManifestDetectionTests.AssertComplete(info, CheckpointFamily.StableDiffusion1);
        Assert.Contains("model_ema.decay", info.IgnoredKeys);
        Assert.Contains("loss.discriminator.main.0.weight", info.IgnoredKeys);
        Assert.Contains("cond_stage_model.transformer.text_model.embeddings.position_ids", info.IgnoredKeys);
    }

    [Fact]
    public void FilesWithoutPositionIdsOrSchedulesAreComplete()
    {
        var keys = Sd15().Where(k => !k.Name.EndsWith("position_ids", StringComparison.Ordinal) && k.Name.Contains('.')).ToList();
        GoldenManifestDetectionTests.AssertComplete(CheckpointInspector.Inspect("lean", keys), CheckpointFamily.StableDiffusion1);
    }

    [Fact]
    public void OldTextEncoderLayoutWithoutTextModelIsAccepted()
    {
        var keys = Sd15().Select(k => k with { Name = k.Name.Replace("cond_stage_model.transformer.text_model.", "cond_stage_model.transformer.") }).ToList();
        GoldenManifestDetectionTests.AssertComplete(CheckpointInspector.Inspect("old", keys), CheckpointFamily.StableDiffusion1);
    }

    [Fact]
    public void MissingTensorsAreNamed()
    {
        string[] dropped =
        [
            "model.diffusion_model.output_blocks.5.1.transformer_blocks.0.attn2.to_k.weight",
            "model.diffusion_model.input_blocks.4.0.skip_connection.bias",
            "first_stage_model.decoder.up.1.block.0.nin_shortcut.weight",
            "cond_stage_model.transformer.text_model.encoder.layers.11.mlp.fc2.bias",
        ];
        var info = CheckpointInspector.Inspect("holes", Sd15().Where(k => !dropped.Contains(k.Name)));
        Assert.Equal(CheckpointFamily.StableDiffusion1, info.Family);
        Assert.Equal(dropped.Order(StringComparer.Ordinal), info.MissingKeys);
        var e = Assert.Throws<CheckpointException>(info.EnsureSupported);
        Assert.Contains("4 missing tensor(s)", e.Message);
        Assert.StartsWith("holes: ", e.Message);
    }

    [Fact]
    public void MissingWholePartIsReported()
    {
        var info = CheckpointInspector.Inspect("no-vae", Sd15().Where(k => !k.Name.StartsWith("first_stage_model.", StringComparison.Ordinal)));
        Assert.Equal(CheckpointFamily.StableDiffusion1, info.Family);
        Assert.Contains("first_stage_model.* (the whole VAE)", info.MissingKeys);
    }

    [Fact]
    public void UnexpectedTensorsAreNamed()
    {
        var keys = Sd15();
        keys.Add(F32("model.diffusion_model.input_blocks.1.1.extra.weight", 4));
        keys.Add(F32("something_else", 4));
        var info = CheckpointInspector.Inspect("extra", keys);
        Assert.Equal(["model.diffusion_model.input_blocks.1.1.extra.weight", "something_else"], info.UnexpectedKeys);
        Assert.Empty(info.MissingKeys);
        info.EnsureSupported(); // unexpected keys are reported, not fatal
    }

    [Fact]
    public void UNetOnlyFileFromAFullCheckpoint()
    {
        var info = CheckpointInspector.Inspect("unet", Sd15().Where(k => k.Name.StartsWith("model.diffusion_model.", StringComparison.Ordinal)));
        GoldenManifestDetectionTests.AssertComplete(info, CheckpointFamily.UNet);
    }

    [Fact]
    public void VaeWithPrefixAlone()
    {
        var info = CheckpointInspector.Inspect("vae", Sd15().Where(k => k.Name.StartsWith("first_stage_model.", StringComparison.Ordinal)));
        GoldenManifestDetectionTests.AssertComplete(info, CheckpointFamily.Vae);
    }

    [Fact]
    public void SdxlFragmentIsRecognisedAndRefusedForItsMissingTensors()
    {
        TensorDescriptor[] keys =
        [
            F32("model.diffusion_model.input_blocks.0.0.weight", 320, 4, 3, 3),
            F32("model.diffusion_model.label_emb.0.0.weight", 1280, 2816),
            F32("conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight", 49408, 768),
            F32("conditioner.embedders.1.model.token_embedding.weight", 49408, 1280),
            F32("first_stage_model.decoder.conv_out.weight", 3, 128, 3, 3),
        ];
        var info = CheckpointInspector.Inspect("sdxl", keys);
        Assert.Equal(CheckpointFamily.StableDiffusionXL, info.Family);
        var e = Assert.Throws<CheckpointException>(info.EnsureSupported);
        Assert.StartsWith("sdxl: SDXL checkpoint with ", e.Message);
        Assert.Contains("missing tensor(s)", e.Message);
    }

    [Fact]
    public void UnknownFileListsWhatWasExpected()
    {
        var info = CheckpointInspector.Inspect("odd", [F32("weight", 3), F32("bias", 3)]);
        Assert.Equal(CheckpointFamily.Unknown, info.Family);
        var e = Assert.Throws<CheckpointException>(info.EnsureSupported);
        Assert.Contains("not a recognised model file (2 tensors", e.Message);
        Assert.Contains("kohya LoRA/LoCon (lora_unet_*, lora_te_*)", e.Message);
        // Layouts other assemblies register complete the list (FastDVDNet: see the Video tests).
        Assert.Contains("or a ControlNet (control_model.* or input_hint_block.*, zero_convs.*)", e.Message);
    }

    [Fact]
    public void WrongFamilyForTheJob()
    {
        var lora = CheckpointInspector.Inspect("style.safetensors",
            KeyManifest.ReadLora(GoldenData.Path("adapters", "lora", "manifest_sd15_full.json"), locon: false));
        var e = Assert.Throws<CheckpointException>(() => lora.EnsureFamily(CheckpointFamily.StableDiffusion1));
        Assert.Equal("style.safetensors: is a kohya LoRA, expected SD1.x checkpoint (LDM single file)", e.Message);
    }

    [Fact]
    public void LoraWithoutUpWeightIsIncomplete()
    {
        var keys = KeyManifest.ReadLora(GoldenData.Path("adapters", "lora", "manifest_sd15_full.json"), locon: false);
        var dropped = keys.First(k => k.Name.EndsWith(".lora_up.weight", StringComparison.Ordinal)).Name;
        var info = CheckpointInspector.Inspect("lora", keys.Where(k => k.Name != dropped));
        Assert.Equal([dropped], info.MissingKeys);
    }

    [Fact]
    public void DiffusersControlNetIsRecognisedButNotSupported()
    {
        var info = CheckpointInspector.Inspect("cn", [F32("controlnet_cond_embedding.conv_in.weight", 16, 3, 3, 3), F32("conv_in.weight", 320, 4, 3, 3)]);
        Assert.Equal(CheckpointFamily.ControlNet, info.Family);
        Assert.Equal(ControlNetLayout.Diffusers, info.ControlNetLayout);
        Assert.False(info.IsSupported);
    }
}
