namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>A <c>videoloopback bench</c> subcommand: its name under <c>bench</c> and its one-line help, kept with the command.</summary>
public interface IBenchCommand
{
    static abstract string Name { get; }

    static abstract string Description { get; }
}
