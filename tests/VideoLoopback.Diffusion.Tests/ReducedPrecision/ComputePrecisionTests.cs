using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.ReducedPrecision;

/// <summary>The <c>--dtype</c> names, the defaults per device and the bfloat16 hardware check.</summary>
public class ComputePrecisionTests
{
    [Theory]
    [InlineData("fp32", ScalarType.Float32)]
    [InlineData("BF16", ScalarType.BFloat16)]
    [InlineData("fp16", ScalarType.Float16)]
    [InlineData("bfloat16", ScalarType.BFloat16)]
    [InlineData("float16", ScalarType.Float16)]
    public void NamesParse(string name, ScalarType dtype)
    {
        Assert.Equal(dtype, ComputePrecision.Parse(name));
        Assert.Equal(dtype, ComputePrecision.Parse(ComputePrecision.RecordName(dtype)));
        Assert.Equal(dtype, ComputePrecision.Parse(ComputePrecision.OptionName(dtype)));
    }

    [Fact]
    public void UnknownNameListsTheChoices()
    {
        var e = Assert.Throws<ArgumentException>(() => ComputePrecision.Parse("fp8"));
        Assert.Equal("'fp8' is unknown, expected one of: fp32, bf16, fp16", e.Message);
    }

    [Fact]
    public void DefaultIsFloat32OnTheCpuAndFloat16OnAGpu()
    {
        Assert.Equal(ScalarType.Float32, ComputePrecision.DefaultFor(CPU));
        Assert.Equal(ScalarType.Float16, ComputePrecision.DefaultFor(new Device("cuda")));
    }

    [Fact]
    public void BFloat16IsRefusedOnlyOnACpuWithoutBFloat16Instructions()
    {
        Assert.Contains("avx512_bf16", ComputePrecision.Unsupported(ScalarType.BFloat16, CPU, cpuHasBFloat16: false));
        Assert.Null(ComputePrecision.Unsupported(ScalarType.BFloat16, CPU, cpuHasBFloat16: true));
        Assert.Null(ComputePrecision.Unsupported(ScalarType.BFloat16, new Device("cuda"), cpuHasBFloat16: false));
        Assert.Null(ComputePrecision.Unsupported(ScalarType.Float16, CPU, cpuHasBFloat16: false));
    }

    [Fact]
    public void CpuFlagsComeFromX86FlagsAndArmFeatures()
    {
        var x86 = CpuFeatures.ParseFlags("processor\t: 0\nflags\t\t: fpu avx512f avx512_bf16 fma\nbugs\t\t: none\n");
        Assert.True(CpuFeatures.HasBFloat16In(x86));
        var amx = CpuFeatures.ParseFlags("flags\t\t: fpu amx_tile amx_bf16\n");
        Assert.True(CpuFeatures.HasBFloat16In(amx));
        var arm = CpuFeatures.ParseFlags("Features\t: fp asimd bf16 i8mm\n");
        Assert.True(CpuFeatures.HasBFloat16In(arm));
        var plain = CpuFeatures.ParseFlags("flags\t\t: fpu avx2 avx512f fma\n");
        Assert.False(CpuFeatures.HasBFloat16In(plain));
    }
}
