using VideoLoopback.Diffusion.Safetensors;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Safetensors;

public class SafetensorsRoundTripTests
{
    public static TheoryData<SafetensorsDType> AllDTypes()
    {
        var data = new TheoryData<SafetensorsDType>();
        foreach (var dtype in Enum.GetValues<SafetensorsDType>()) data.Add(dtype);
        return data;
    }

    /// <summary>Values that survive every dtype exactly (booleans: zero and non-zero).</summary>
    private static Tensor Sample(SafetensorsDType dtype, long[] shape)
    {
        var count = shape.Aggregate(1L, (a, b) => a * b);
        var values = arange(count, ScalarType.Float64).remainder(7).sub(3); // -3..3
        if (dtype == SafetensorsDType.U8) values = values.add(3);
        if (dtype == SafetensorsDType.BOOL) values = values.gt(0);
        return values.to(dtype.ToScalarType()).reshape(shape);
    }

    [Theory]
    [MemberData(nameof(AllDTypes))]
    public void EveryDTypeRoundTripsBitExactly(SafetensorsDType dtype)
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["matrix"] = Sample(dtype, [3, 5]),
            ["scalar"] = Sample(dtype, []),
            ["empty"] = Sample(dtype, [0, 4]),
            ["conv"] = Sample(dtype, [2, 3, 3, 3]),
        };
        var path = folder.PathOf($"{dtype}.safetensors");
        SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["note"] = "round trip" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("round trip", file.Metadata["note"]);
        Assert.Equal(tensors.Keys.Order(), file.Keys.Order());
        foreach (var (name, expected) in tensors)
        {
            Assert.Equal(dtype, file[name].DType);
            var loaded = file.Load(name);
            Assert.Equal(expected.dtype, loaded.dtype);
            Assert.Equal(expected.shape, loaded.shape);
            Assert.True(expected.contiguous().bytes.SequenceEqual(loaded.bytes), $"{dtype} tensor '{name}' changed in the round trip");
        }
    }

    [Fact]
    public void LoadConvertsToTheRequestedDType()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var half = tensor(new float[] { 0.5f, -1.25f, 3.0f, 65504f }).to(ScalarType.Float16).reshape(2, 2);
        var path = folder.PathOf("half.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = half });

        using var file = SafetensorsFile.Open(path);
        var asFloat = file.Load("w", ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, asFloat.dtype);
        Assert.Equal(new float[] { 0.5f, -1.25f, 3.0f, 65504f }, asFloat.data<float>().ToArray());

        var all = file.LoadAll(dtype: ScalarType.BFloat16);
        Assert.Equal(ScalarType.BFloat16, all["w"].dtype);
    }

    [Fact]
    public void LoadAllHonoursTheFilter()
    {
        using var folder = new TempFolder();
        using var scope = NewDisposeScope();
        var path = folder.PathOf("filter.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor>
        {
            ["unet.a"] = ones(2), ["unet.b"] = zeros(3), ["vae.c"] = ones(4),
        });
        using var file = SafetensorsFile.Open(path);
        var unet = file.LoadAll(name => name.StartsWith("unet.", StringComparison.Ordinal));
        Assert.Equal(["unet.a", "unet.b"], unet.Keys.Order());
    }

    [Fact]
    public void TinyCheckpointTensorsMatchTheirHeader()
    {
        // A real file written by the reference implementation: every tensor loads with its declared shape.
        var path = VideoLoopback.Tests.Shared.GoldenData.Path("sd15", "tiny-sd15-fp16.safetensors");
        using var file = SafetensorsFile.Open(path);
        using var scope = NewDisposeScope();
        foreach (var entry in file.Entries)
        {
            var t = file.Load(entry.Name);
            Assert.Equal(entry.Shape, t.shape);
            Assert.Equal(entry.DType.ToScalarType(), t.dtype);
        }
        // position_ids is stored as I64 0..76 in real SD1.x checkpoints.
        var ids = file.Load("cond_stage_model.transformer.text_model.embeddings.position_ids");
        Assert.Equal(Enumerable.Range(0, 77).Select(i => (long)i).ToArray(), ids.data<long>().ToArray());
    }
}
