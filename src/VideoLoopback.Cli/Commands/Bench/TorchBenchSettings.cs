using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>Options of every benchmark that runs torch: its intra-op thread count.</summary>
public class TorchBenchSettings : CommandSettings
{
    [CommandOption("--threads <N>")]
    [Description("Torch intra-op threads (default or 0: torch's choice). On a busy machine 1 thread avoids waiting at every op's barrier.")]
    public int? Threads { get; init; }

    public override ValidationResult Validate() =>
        Threads < 0 ? ValidationResult.Error("--threads must be 0 or more") : ValidationResult.Success();

    /// <summary>Sets torch's intra-op thread count when <c>--threads</c> asks for one.</summary>
    public void ApplyThreads()
    {
        if (Threads is > 0 and var threads) set_num_threads(threads);
    }
}
