using Spectre.Console.Cli.Testing;

namespace VideoLoopback.Cli.Tests.Commands;

/// <summary>Runs a command line in-process with the CLI's own configuration (<see cref="CliApp"/>), standard error kept apart.</summary>
internal static class InProcessCli
{
    /// <summary>The result (exit code, console output, parsed settings) and what went to standard error.</summary>
    public static (CommandAppResult Result, string Errors) Run(params string[] args)
    {
        var errors = new StringWriter();
        var app = new CommandAppTester();
        app.Configure(config => CliApp.Configure(config, errors, args));
        return (app.Run(args), errors.ToString());
    }

    /// <summary>Exit code 1, nothing on the console, and exactly one line on standard error, starting with <paramref name="start"/>.</summary>
    public static void AssertOneErrorLine((CommandAppResult Result, string Errors) run, string start)
    {
        Assert.Equal(1, run.Result.ExitCode);
        Assert.Equal("", run.Result.Output.Trim());
        var line = Assert.Single(run.Errors.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(start, line);
    }
}
