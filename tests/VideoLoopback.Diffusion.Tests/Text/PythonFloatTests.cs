using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>repr(float) as CPython 3.11 prints it (expected values from /usr/bin/python3), around its notation boundaries.</summary>
public class PythonFloatTests
{
    [Theory]
    [InlineData(1e15, "1000000000000000.0")]
    [InlineData(9999999999999998.0, "9999999999999998.0")]
    [InlineData(1e16, "1e+16")]
    [InlineData(1.5e16, "1.5e+16")]
    [InlineData(123456789012345678.0, "1.2345678901234568e+17")]
    [InlineData(1e22, "1e+22")]
    [InlineData(1e100, "1e+100")]
    [InlineData(1.5e300, "1.5e+300")]
    [InlineData(1.7976931348623157e308, "1.7976931348623157e+308")]
    [InlineData(0.0001, "0.0001")]
    [InlineData(0.00012345, "0.00012345")]
    [InlineData(0.00001, "1e-05")]
    [InlineData(2.5e-5, "2.5e-05")]
    [InlineData(1e-7, "1e-07")]
    [InlineData(5e-324, "5e-324")]
    [InlineData(0.1 + 0.2, "0.30000000000000004")]
    [InlineData(0.0, "0.0")]
    [InlineData(1.0, "1.0")]
    [InlineData(7.0, "7.0")]
    [InlineData(100.0, "100.0")]
    [InlineData(0.75, "0.75")]
    [InlineData(-2.5, "-2.5")]
    [InlineData(12345.678, "12345.678")]
    [InlineData(double.PositiveInfinity, "inf")]
    [InlineData(double.NegativeInfinity, "-inf")]
    [InlineData(double.NaN, "nan")]
    public void ReprMatchesCPython(double value, string expected) => Assert.Equal(expected, PythonFloat.Repr(value));

    [Fact]
    public void NegativeZeroKeepsItsSign()
    {
        Assert.Equal("-0.0", PythonFloat.Repr(-0.0));
        Assert.Equal("-1e+16", PythonFloat.Repr(-1e16));
        Assert.Equal("-1e-05", PythonFloat.Repr(-0.00001));
    }
}
