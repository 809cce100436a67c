using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Safetensors;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Checkpoints;

/// <summary>
/// Our PyTorch pickle reader on files torch.save wrote (zip and legacy formats): every tensor bit for bit, views, offsets,
/// shared storages and all dtypes; and every malformed file refused with one line naming it.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd15")]
public sealed class PickledStateDictTests
{
    [Theory]
    [InlineData("tensors-zip.pt")]
    [InlineData("tensors-legacy.pt")]
    public void ViewsOffsetsSharedStoragesAndEveryDTypeComeOutBitForBit(string name)
    {
        using var file = StateDictFile.Open(PickleFiles.Path(name));
        using var reference = SafetensorsFile.Open(PickleFiles.Path("tensors.safetensors"));
        PickleFiles.AssertSameTensors(file, reference);
    }

    [Fact]
    public void ZipCheckpointWithStateDictWrapperHoldsTheSafetensorsTensors()
    {
        using var file = StateDictFile.Open(PickleFiles.Path("tiny-sd15-fp16.ckpt"));
        using var reference = SafetensorsFile.Open(GoldenData.Path("sd15", "tiny-sd15-fp16.safetensors"));
        PickleFiles.AssertSameTensors(file, reference);
    }

    [Fact]
    public void LegacyCheckpointHoldsTheSafetensorsTensors()
    {
        using var file = StateDictFile.Open(PickleFiles.Path("tiny-sd15-text-legacy.ckpt"));
        using var reference = SafetensorsFile.Open(GoldenData.Path("sd15", "tiny-sd15-fp16.safetensors"));
        Assert.Equal(reference.Keys.Count(k => k.StartsWith("cond_stage_model.", StringComparison.Ordinal) || !k.Contains('.')), file.Tensors.Count);
        PickleFiles.AssertSameTensors(file, reference, sameKeys: false);
    }

    [Fact]
    public void InspectCallsTheCheckpointWhatItIs()
    {
        using var file = StateDictFile.Open(PickleFiles.Path("tiny-sd15-fp16.ckpt"));
        var info = CheckpointInspector.Inspect(file);
        Assert.Equal(CheckpointFamily.StableDiffusion1, info.Family);
        Assert.Null(info.UnsupportedReason);
        Assert.Empty(info.MissingKeys);
        Assert.Empty(info.UnexpectedKeys);
    }

    [Theory]
    [InlineData("payload-zip.pt")]
    [InlineData("payload-legacy.pt")]
    public void AGlobalOutsideTheWhitelistStopsTheReadNamingFileAndGlobal(string name)
    {
        var path = PickleFiles.Path(name);
        var error = Assert.Throws<InvalidDataException>(() => StateDictFile.Open(path));
        AssertOneLineNaming(path, error);
        Assert.Contains("'posix.system'", error.Message);
    }

    /// <summary>Cut anywhere (inside the pickles, the storage list, a storage's data, the zip directory), a file is refused cleanly.</summary>
    [Theory]
    [InlineData("tensors-zip.pt")]
    [InlineData("tensors-legacy.pt")]
    [InlineData("tiny-sd15-text-legacy.ckpt")]
    public void TruncatedFilesAreRefusedNamingTheFile(string name)
    {
        using var folder = new TempFolder();
        var bytes = File.ReadAllBytes(PickleFiles.Path(name));
        foreach (var length in new[] { 1, 2, 11, 40, 100, 300, bytes.Length / 4, bytes.Length / 2, bytes.Length * 3 / 4, bytes.Length - 8, bytes.Length - 1 })
        {
            var path = folder.PathOf($"cut-{length}-{name}");
            File.WriteAllBytes(path, bytes[..length]);
            var error = Assert.Throws<InvalidDataException>(() => { using var _ = StateDictFile.Open(path); });
            AssertOneLineNaming(path, error);
        }
    }

    [Theory]
    [InlineData("short-record-zip.pt", "declares 1000 F32 elements (4000 bytes) but the file holds 2000 bytes")]
    [InlineData("count-mismatch-legacy.pt", "declared with 4 elements but its data says 1099511627776")]
    public void AStorageLargerThanItsDataIsRefusedBeforeAnythingIsAllocated(string name, string expected)
    {
        var path = PickleFiles.Path(name);
        var error = Assert.Throws<InvalidDataException>(() => StateDictFile.Open(path));
        AssertOneLineNaming(path, error);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void ABadMagicNumberIsRefused()
    {
        using var folder = new TempFolder();
        var bytes = File.ReadAllBytes(PickleFiles.Path("tensors-legacy.pt"));
        bytes[5] ^= 0xff; // inside the 10-byte magic number after PROTO 2, LONG1 10
        var path = folder.PathOf("magic.pt");
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<InvalidDataException>(() => StateDictFile.Open(path));
        AssertOneLineNaming(path, error);
        Assert.Contains("magic number", error.Message);
    }

    [Fact]
    public void AFileOfNeitherFormatIsRefused()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("model.ckpt");
        File.WriteAllBytes(path, "not a checkpoint at all"u8.ToArray());
        var error = Assert.Throws<InvalidDataException>(() => StateDictFile.Open(path));
        AssertOneLineNaming(path, error);
        Assert.Contains("not a PyTorch checkpoint", error.Message);
    }

    internal static void AssertOneLineNaming(string path, Exception error)
    {
        Assert.StartsWith(path + ": ", error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
