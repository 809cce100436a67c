using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Cli;

// An exception no command path catches (a worker thread's, or one before the commands run) is still one error line, exit 1.
AppDomain.CurrentDomain.UnhandledException += (_, e) =>
{
    ErrorLine.Report(e.ExceptionObject as Exception ?? new InvalidOperationException($"{e.ExceptionObject}"), Console.Error, args);
    Environment.Exit(ErrorLine.ExitCode);
};

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
app.Configure(config => CliApp.Configure(config, Console.Error, args));
return app.Run(args);
