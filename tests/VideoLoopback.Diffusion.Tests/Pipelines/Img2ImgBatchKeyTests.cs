using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Diffusion.Tests.Lora;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Pipelines;

/// <summary>
/// The UNet batch key: a ControlNet network is told apart by reference (two loaded copies of one file are two batches),
/// while frames with equal settings, hints aside, still share a batch.
/// </summary>
[Trait("Area", "adapters")]
public class Img2ImgBatchKeyTests
{
    private static string TinyModel => Path.GetFullPath(Path.Combine(AdapterGolden.ControlNetFolder, "..", "..", "sd15", "tiny-sd15.safetensors"));

    private static Img2ImgBatchKey Key(IReadOnlyList<ControlNetUnit>? units) => new(
        20, "Euler a", "Automatic", 0.75, 7, 0, RandnSource.Gpu, 0, 0, 0, 64, 64, 1,
        new([77L]), new([77L]), null, null, 0, 0, ControlBatchKey.Of(units));

    [Fact]
    public void DifferentControlNetObjectsNeverShareABatchAndEqualSettingsDo()
    {
        using var scope = NewDisposeScope();
        using var unet = AdapterGolden.LoadUnet(TinyModel);
        string file = Path.Combine(AdapterGolden.ControlNetFolder, "tiny_controlnet_A.safetensors");
        using var first = ControlNetModel.Load(file, unet.Config, ModuleDevice.Cpu);
        using var copy = ControlNetModel.Load(file, unet.Config, ModuleDevice.Cpu);
        var hintA = zeros(1, 3, 64, 64);
        var hintB = ones(1, 3, 64, 64);

        var withFirst = Key([new ControlNetUnit(first, hintA, 0.5, 0, 1, ControlMode.Balanced)]);
        var sameSettingsOtherHint = Key([new ControlNetUnit(first, hintB, 0.5, 0, 1, ControlMode.Balanced)]);
        var withCopy = Key([new ControlNetUnit(copy, hintA, 0.5, 0, 1, ControlMode.Balanced)]);

        Assert.Equal(withFirst, sameSettingsOtherHint);
        Assert.Equal(withFirst.GetHashCode(), sameSettingsOtherHint.GetHashCode());
        Assert.NotEqual(withFirst, withCopy);
        Assert.NotEqual(withFirst, Key([new ControlNetUnit(first, hintA, 0.6, 0, 1, ControlMode.Balanced)]));
        Assert.NotEqual(withFirst, Key(null));
        Assert.Equal(Key(null), Key([]));
        // Grouping as the pipeline does: the copy's frame gets a batch of its own.
        var groups = new[] { withFirst, withCopy, sameSettingsOtherHint }.GroupBy(k => k).ToList();
        Assert.Equal([2, 1], groups.Select(g => g.Count()));
    }

    [Fact]
    public void EveryGroupingValueSeparatesBatchesAndRunsAloneKeepsFramesApart()
    {
        var key = Key(null);
        Assert.Equal(key, Key(null));
        Assert.NotEqual(key, key with { Denoising = 0.7 });
        Assert.NotEqual(key, key with { PositiveLengths = new([154L]) });
        Assert.NotEqual(key, key with { Inpaint = new InpaintSettings() });
        Assert.Equal(key with { Inpaint = new InpaintSettings() }, key with { Inpaint = new InpaintSettings() });
        Assert.NotEqual(key with { RunsAlone = 0 }, key with { RunsAlone = 1 });
    }
}
