using Spectre.Console.Cli;
using VideoLoopback.Cli.Commands;

namespace VideoLoopback.Cli;

/// <summary>
/// Spectre passes options it does not know on as remaining arguments instead of refusing them; <c>render</c> reads its job
/// parameters from them, every other command would silently ignore a misspelt option, so there it is an error.
/// </summary>
public sealed class UnknownOptionCheck : ICommandInterceptor
{
    public void Intercept(CommandContext context, CommandSettings settings)
    {
        if (settings is RenderCommand.Settings) return;
        if (context.Remaining.Parsed.FirstOrDefault() is { } option)
            throw new CommandLineException($"unknown option '{option.Key}' for {context.Name} (see videoloopback {context.Name} --help)");
        if (context.Remaining.Raw.FirstOrDefault() is { } argument)
            throw new CommandLineException($"unexpected argument '{argument}' for {context.Name} (see videoloopback {context.Name} --help)");
    }
}
