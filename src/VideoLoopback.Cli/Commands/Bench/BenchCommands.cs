using Spectre.Console.Cli;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>The <c>videoloopback bench</c> branch: every benchmark, in the order <c>--help</c> lists them.</summary>
public static class BenchCommands
{
    public static void Register(IConfigurator<CommandSettings> bench)
    {
        bench.SetDescription("Print speed and memory figures.");
        Add<BenchLoadCommand>(bench);
        Add<BenchTextCommand>(bench);
        Add<BenchUnetCommand>(bench);
        Add<BenchDtypeCommand>(bench);
        Add<BenchImagingCommand>(bench);
        Add<BenchSchedulesCommand>(bench);
        Add<BenchRenderCommand>(bench);
        Add<BenchFastDvdNetCommand>(bench);
        Add<BenchLoraCommand>(bench);
        Add<BenchControlNetCommand>(bench);
        Add<BenchSamplingCommand>(bench);
    }

    private static void Add<TCommand>(IConfigurator<CommandSettings> bench) where TCommand : class, ICommandLimiter<CommandSettings>, IBenchCommand =>
        bench.AddCommand<TCommand>(TCommand.Name).WithDescription(TCommand.Description);
}
