using Spectre.Console.Cli;
using VideoLoopback.Cli.Commands;
using VideoLoopback.Cli.Commands.Bench;

namespace VideoLoopback.Cli;

/// <summary>The <c>videoloopback</c> command line: its commands, their help, and the one error path.</summary>
public static class CliApp
{
    /// <summary>Configures every command; errors go to <paramref name="errors"/> as one line each (see <see cref="ErrorLine"/>).</summary>
    public static void Configure(IConfigurator config, TextWriter errors, IReadOnlyList<string> args)
    {
        config.SetApplicationName("videoloopback");
        config.SetHelpProvider(new RenderHelpProvider(config.Settings));
        config.SetInterceptor(new UnknownOptionCheck());
        ErrorLine.Install(config, errors, args);
        config.AddCommand<InspectCommand>("inspect")
            .WithDescription("Show what a model file is: family, dtypes, parameters per component, unexpected and missing keys.");
        config.AddCommand<Img2ImgCommand>("img2img")
            .WithDescription("WebUI img2img / inpainting on one image; PNGs carry WebUI's parameters text.");
        config.AddCommand<PreprocessCommand>("preprocess")
            .WithDescription("Run a ControlNet preprocessor (module) on one image and write the control map.");
        config.AddCommand<RenderCommand>("render")
            .WithDescription("Render a video loopback job (options, --job FILE, or --resume RUN_FOLDER).");
        config.AddBranch("bench", BenchCommands.Register);
    }
}
