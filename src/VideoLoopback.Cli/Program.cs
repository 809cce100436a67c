using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Cli;
using VideoLoopback.Cli.Commands;
using VideoLoopback.Cli.Commands.Bench;

// The commands that run networks start again on a caching allocator before anything allocates (see CachingAllocator).
string command = args.Length > 0 ? args[0] : "";
if (command is "render" or "img2img" or "bench") CachingAllocator.EnsureLoaded();

// Redirected output (logs, pipes) gets no 80-column wrapping, so an error stays on one line.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 10_000;

// No NNPACK (see LibTorchSwitches): no per-call warnings on CPUs it does not support.
VideoLoopback.Diffusion.Nn.LibTorchSwitches.TryDisableNnpack();

if (command == "bench" && args.Length > 1 && !args.Contains("--help") && !args.Contains("-h"))
    Console.WriteLine($"allocator {CachingAllocator.ActiveName()}");

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("videoloopback");
    config.SetHelpProvider(new RenderHelpProvider(config.Settings));
    config.AddCommand<InspectCommand>("inspect")
        .WithDescription("Show what a model file is: family, dtypes, parameters per component, unexpected and missing keys.");
    config.AddCommand<Img2ImgCommand>("img2img")
        .WithDescription("WebUI img2img / inpainting on one image; PNGs carry WebUI's parameters text.");
    config.AddCommand<PreprocessCommand>("preprocess")
        .WithDescription("Run a ControlNet preprocessor (module) on one image and write the control map.");
    config.AddCommand<RenderCommand>("render")
        .WithDescription("Render a video loopback job (options, --job FILE, or --resume RUN_FOLDER).");
    config.AddBranch("bench", BenchCommands.Register);
});
return app.Run(args);
