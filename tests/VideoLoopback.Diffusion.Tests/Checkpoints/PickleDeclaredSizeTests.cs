using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Tests.Safetensors;
using VideoLoopback.Tests.Shared;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Checkpoints;

/// <summary>
/// A small file cannot make the pickle reader allocate what it merely declares: every storage size, and every zip record's
/// size, is checked against the bytes the file has before anything is allocated or inflated; each refusal names the file.
/// </summary>
public sealed class PickleDeclaredSizeTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Write(string name, byte[] bytes)
    {
        var path = _folder.PathOf(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static InvalidDataException Refused(string path)
    {
        var error = Assert.Throws<InvalidDataException>(() => { using var _ = StateDictFile.Open(path); });
        PickledStateDictTests.AssertOneLineNaming(path, error);
        return error;
    }

    [Fact]
    public void TheCraftedZipReadsWhenItsSizesAreHonest()
    {
        var data = new byte[16];
        BitConverter.GetBytes(1.5f).CopyTo(data, 4);
        foreach (var deflate in new[] { false, true })
        {
            var path = Write($"honest-{deflate}.pt", CraftedPickles.Zip(CraftedPickles.StateDictPickle(4), data, deflate, deflate));
            using var file = StateDictFile.Open(path);
            using var scope = NewDisposeScope();
            Assert.Equal([0f, 1.5f, 0f, 0f], file.Load("w").data<float>().ToArray());
        }
    }

    [Fact]
    public void A500ByteFileAskingFor149GBIsRefused()
    {
        var bytes = CraftedPickles.Zip(CraftedPickles.StateDictPickle(37_250_000_000), new byte[4]);
        Assert.InRange(bytes.Length, 1, 600);
        var error = Refused(Write("huge.pt", bytes));
        Assert.Contains("storage '0' declares 37250000000 F32 elements (149000000000 bytes) but the file holds 4 bytes", error.Message);
    }

    [Fact]
    public void AStorageWhoseByteCountOverflowsIsRefused()
    {
        var error = Refused(Write("overflow.pt", CraftedPickles.Zip(CraftedPickles.StateDictPickle(1L << 62), new byte[4])));
        Assert.Contains("storage '0' declares 4611686018427387904 F32 elements, more bytes than any file holds", error.Message);
    }

    [Fact]
    public void AStoredRecordDeclaringMoreThanItsBytesIsRefused()
    {
        var bytes = CraftedPickles.Zip(CraftedPickles.StateDictPickle(0x3C00_0000), new byte[4]);
        Assert.Equal(0, CraftedPickles.Method(bytes, "archive/data/0"));
        CraftedPickles.PatchDeclaredSize(bytes, "archive/data/0", 0xF000_0000);
        var error = Refused(Write("stored.pt", bytes));
        Assert.Contains("zip record archive/data/0 is stored in 4 bytes but declares 4026531840 (malformed)", error.Message);
    }

    [Fact]
    public void ADeflatedRecordDeclaringMoreThanDeflateCanHoldIsRefusedBeforeInflating()
    {
        var bytes = CraftedPickles.Zip(CraftedPickles.StateDictPickle(0x3C00_0000), new byte[64], deflateData: true);
        Assert.Equal(8, CraftedPickles.Method(bytes, "archive/data/0"));
        CraftedPickles.PatchDeclaredSize(bytes, "archive/data/0", 0xF000_0000);
        var error = Refused(Write("deflated.pt", bytes));
        Assert.Contains("zip record archive/data/0 declares 4026531840 bytes, more than its", error.Message);
        Assert.Contains("deflated bytes can hold (malformed)", error.Message);
    }

    [Fact]
    public void ADeflatedPickleDeclaringAGigabyteIsRefusedBeforeAllocating()
    {
        var bytes = CraftedPickles.Zip(CraftedPickles.StateDictPickle(4), new byte[16], deflatePickle: true);
        CraftedPickles.PatchDeclaredSize(bytes, "archive/data.pkl", 1 << 30);
        var error = Refused(Write("pickle.pt", bytes));
        Assert.Contains("zip record archive/data.pkl declares 1073741824 bytes, more than its", error.Message);
    }

    [Fact]
    public void ADeflatedRecordShorterThanDeclaredIsACleanError()
    {
        // Within deflate's ratio, but the bytes inflate to less than declared: found when the tensor is read, not by a crash.
        var bytes = CraftedPickles.Zip(CraftedPickles.StateDictPickle(1024), new byte[64], deflateData: true);
        CraftedPickles.PatchDeclaredSize(bytes, "archive/data/0", 4096);
        var path = Write("short.pt", bytes);
        using var file = StateDictFile.Open(path);
        var error = Assert.Throws<InvalidDataException>(() => file.Load("w"));
        Assert.Equal($"{path}: storage '0' does not decompress to its declared size (corrupt)", error.Message);
    }
}
