using Spectre.Console.Cli.Testing;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary>Every command's <c>--help</c> renders: option descriptions are Spectre markup, so a bracket in one breaks it.</summary>
public sealed class HelpTests
{
    [Theory]
    [InlineData("render")]
    [InlineData("img2img")]
    [InlineData("inspect")]
    [InlineData("preprocess")]
    [InlineData("bench", "unet")]
    [InlineData("bench", "render")]
    [InlineData("bench", "load")]
    public void HelpRendersEveryOption(params string[] command)
    {
        var app = new CommandAppTester();
        app.Configure(config => CliApp.Configure(config, TextWriter.Null, []));
        var result = app.Run([.. command, "--help"]);
        Assert.True(result.ExitCode == 0, $"{string.Join(" ", command)} --help exited {result.ExitCode}:\n{result.Output}");
        Assert.Contains("--", result.Output);
    }

    [Fact]
    public void Img2ImgHelpShowsTheControlNetSpecBrackets()
    {
        var app = new CommandAppTester();
        app.Configure(config => CliApp.Configure(config, TextWriter.Null, []));
        var result = app.Run("img2img", "--help");
        Assert.Contains("MODEL[,weight=1][,start=0]", result.Output);
    }
}
