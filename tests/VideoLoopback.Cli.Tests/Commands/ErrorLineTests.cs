using System.Runtime.InteropServices;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary>How <see cref="ErrorLine"/> turns each kind of exception into one line without a stack trace or a C++ backtrace.</summary>
public sealed class ErrorLineTests
{
    [Fact]
    public void AProjectExceptionIsItsMessage() =>
        Assert.Equal("input_dir: 'x' does not exist", ErrorLine.Message(new JobException("input_dir: 'x' does not exist")));

    [Fact]
    public void AWrappedExceptionIsTheOneInside() =>
        Assert.Equal("frame 3: bad", ErrorLine.Message(new AggregateException(new JobException("frame 3: bad"))));

    [Fact]
    public void AnArgumentExceptionLosesDotNetsParameterSuffix()
    {
        Assert.Equal("width must be a positive multiple of 8 (got 7)",
            ErrorLine.Message(new ArgumentOutOfRangeException("Width", 7, "width must be a positive multiple of 8")));
        Assert.Equal("--init: an init image is required", ErrorLine.Message(new ArgumentException("--init: an init image is required", "Init")));
    }

    [Fact]
    public void AnUnexpectedExceptionIsNamedByItsTypeOnOneLine() =>
        Assert.Equal("NullReferenceException: boom", ErrorLine.Message(new NullReferenceException("boom\n   at Somewhere()")));

    [Fact]
    public void ALibTorchErrorKeepsItsFirstLineWithoutTheBacktrace()
    {
        var error = Assert.ThrowsAny<ExternalException>(() => ones(2, 3).view(7));
        Assert.Contains("Exception raised from", error.Message); // what is cut
        Assert.Equal("libtorch: shape '[7]' is invalid for input of size 6", ErrorLine.Message(error));
    }

    [Fact]
    public void AProjectMessageQuotingLibTorchLosesTheBacktraceToo()
    {
        var native = Assert.ThrowsAny<ExternalException>(() => ones(2, 3).view(7));
        Assert.Equal("frame 3: shape '[7]' is invalid for input of size 6", ErrorLine.Message(new JobException($"frame 3: {native.Message}")));
    }

    [Fact]
    public void AFailedAllocationSaysOutOfMemoryAndWhatWasBeingDone()
    {
        var error = Assert.ThrowsAny<ExternalException>(() => empty(1L << 48, ScalarType.Byte));
        var line = ErrorLine.Message(error, ["img2img", "--batch-size", "8"]);
        Assert.StartsWith("out of memory in img2img (", line);
        Assert.Contains("281474976710656 bytes", line);
        Assert.EndsWith("a smaller width/height, batch size or frame count needs less", line);
        Assert.DoesNotContain("Exception raised from", line);
        Assert.DoesNotContain("enforce fail", line);
    }

    [Fact]
    public void ReportWritesOneErrorLineAndReturnsExitCode1()
    {
        var errors = new StringWriter();
        Assert.Equal(1, ErrorLine.Report(new IOException("/out/f.png: disk full"), errors));
        Assert.Equal("error: /out/f.png: disk full" + Environment.NewLine, errors.ToString());
    }
}
