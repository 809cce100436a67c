using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Tests.Shared;

namespace VideoLoopback.Diffusion.Tests.Safetensors;

/// <summary>Every kind of bad file gives one <see cref="SafetensorsException"/> naming the file and the problem.</summary>
public class SafetensorsBadFileTests
{
    private static void AssertRejected(string path, string expectedProblem)
    {
        var e = Assert.Throws<SafetensorsException>(() => { using var _ = SafetensorsFile.Open(path); });
        Assert.Equal(path, e.FilePath);
        Assert.StartsWith(path + ": ", e.Message);
        Assert.Contains(expectedProblem, e.Problem);
    }

    private const string OneF32 = """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    [Fact]
    public void WellFormedHandMadeFileOpens()
    {
        // The fixture the bad cases below are variations of.
        using var folder = new TempFolder();
        using var file = SafetensorsFile.Open(folder.WriteRaw("ok.safetensors", OneF32, new byte[8]));
        Assert.Equal([2L], file["w"].Shape);
    }

    [Fact]
    public void EmptyFile()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("empty.safetensors");
        File.WriteAllBytes(path, []);
        AssertRejected(path, "file is empty");
    }

    [Fact]
    public void TooShortForTheLengthPrefix()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertRejected(path, "too short for the 8-byte header length");
    }

    [Fact]
    public void HeaderLengthBeyondTheFile()
    {
        using var folder = new TempFolder();
        AssertRejected(folder.WriteRaw("long.safetensors", OneF32, new byte[8], declaredHeaderLength: 1_000_000),
            "header length 1000000 runs past the end");
        AssertRejected(folder.WriteRaw("huge.safetensors", OneF32, new byte[8], declaredHeaderLength: ulong.MaxValue),
            "runs past the end");
    }

    [Fact]
    public void TruncatedRealCheckpoint()
    {
        using var folder = new TempFolder();
        var source = File.ReadAllBytes(GoldenData.Path("sd15", "tiny-sd15-fp16.safetensors"));
        var cutInData = folder.PathOf("cut-data.safetensors");
        File.WriteAllBytes(cutInData, source[..(source.Length - 1000)]);
        AssertRejected(cutInData, "run past the end of the data section");

        var cutInHeader = folder.PathOf("cut-header.safetensors");
        File.WriteAllBytes(cutInHeader, source[..5000]);
        AssertRejected(cutInHeader, "runs past the end");
    }

    [Fact]
    public void InvalidJson()
    {
        using var folder = new TempFolder();
        AssertRejected(folder.WriteRaw("json.safetensors", """{"w":{"dtype":"F32",""", new byte[8]), "header is not valid JSON");
        AssertRejected(folder.WriteRaw("array.safetensors", "[1,2,3]", new byte[8]), "header is not a JSON object");
        AssertRejected(folder.WriteRaw("utf8.safetensors", [(byte)'{', (byte)'"', 0xFF, (byte)'"', (byte)':', (byte)'1', (byte)'}'], new byte[8]),
            "not valid");
    }

    [Fact]
    public void UnknownDType()
    {
        using var folder = new TempFolder();
        var path = folder.WriteRaw("dtype.safetensors", """{"w":{"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]}}""", new byte[8]);
        AssertRejected(path, "tensor 'w': unknown dtype 'F8_E4M3'");
    }

    [Fact]
    public void ShapeDisagreesWithByteRange()
    {
        using var folder = new TempFolder();
        var path = folder.WriteRaw("size.safetensors", """{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", new byte[8]);
        AssertRejected(path, "shape [3] of F32 needs 12 bytes but data_offsets [0,8] give 8");
    }

    [Fact]
    public void OffsetsOutOfRange()
    {
        using var folder = new TempFolder();
        AssertRejected(folder.WriteRaw("past.safetensors", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}""", new byte[8]),
            "data_offsets [8,16] run past the end of the data section (8 bytes");
        AssertRejected(folder.WriteRaw("negative.safetensors", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", new byte[8]),
            "0 <= begin <= end");
        AssertRejected(folder.WriteRaw("reversed.safetensors", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", new byte[8]),
            "0 <= begin <= end");
        AssertRejected(folder.WriteRaw("fraction.safetensors", """{"w":{"dtype":"F32","shape":[2],"data_offsets":[0.5,8]}}""", new byte[8]),
            "data_offsets are not integers");
    }

    [Fact]
    public void OverlappingOffsets()
    {
        using var folder = new TempFolder();
        var header = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""";
        AssertRejected(folder.WriteRaw("overlap.safetensors", header, new byte[12]), "'a' [0,8] and 'b' [4,12] overlap");
    }

    [Fact]
    public void MalformedEntries()
    {
        using var folder = new TempFolder();
        AssertRejected(folder.WriteRaw("dup.safetensors",
            """{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", new byte[8]),
            "tensor 'w' appears twice");
        AssertRejected(folder.WriteRaw("noshape.safetensors", """{"w":{"dtype":"F32","data_offsets":[0,8]}}""", new byte[8]),
            "tensor 'w': missing array 'shape'");
        AssertRejected(folder.WriteRaw("negshape.safetensors", """{"w":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", new byte[8]),
            "not a non-negative integer");
        AssertRejected(folder.WriteRaw("bigshape.safetensors",
            """{"w":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}""", new byte[8]),
            "shape is too large");
        AssertRejected(folder.WriteRaw("meta.safetensors", """{"__metadata__":{"n":1}}""", []),
            "__metadata__ value 'n' is not a string");
    }

    [Fact]
    public void Directory()
    {
        using var folder = new TempFolder();
        var path = folder.PathOf("model.safetensors");
        System.IO.Directory.CreateDirectory(path);
        AssertRejected(path, "is a directory");
    }

    [Fact]
    public void MissingFile()
    {
        using var folder = new TempFolder();
        AssertRejected(folder.PathOf("absent.safetensors"), "file not found");
    }

    [Fact]
    public void NoPermission()
    {
        using var folder = new TempFolder();
        var path = folder.WriteRaw("locked.safetensors", OneF32, new byte[8]);
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.None);
        if (CanOpenForReading(path))
        {
            // Running with root privileges: a mode-000 file stays readable, so use a file the kernel
            // refuses to read to everyone (a write-only sysctl).
            path = "/proc/sys/vm/drop_caches";
            Assert.True(File.Exists(path), "no unreadable file available to test with");
            Assert.False(CanOpenForReading(path), $"{path} is readable here");
        }
        AssertRejected(path, "permission denied");
    }

    private static bool CanOpenForReading(string path)
    {
        try
        {
            using var _ = File.OpenRead(path);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
