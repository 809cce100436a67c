using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Video;

namespace VideoLoopback.Cli.Commands;

/// <summary>
/// <c>videoloopback inspect &lt;file&gt;</c>: what a model file is (family, dtypes, parameters per part,
/// missing and unexpected keys). A .safetensors file is read from its header only, so it is instant even on multi-GB files;
/// of a PyTorch pickle (.pth/.pt/.ckpt) only the pickled structure is read (without running any of its code).
/// </summary>
public sealed class InspectCommand(IAnsiConsole console) : Command<InspectCommand.Settings>
{
    /// <summary>How many key names to list before summarising the rest.</summary>
    private const int KeysShown = 20;

    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<file>")]
        [Description("A model file (.safetensors, or a .pth/.pt/.ckpt PyTorch state dict).")]
        public string File { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        CheckpointInfo info;
        using (var file = StateDictFile.Open(settings.File))
            info = CheckpointInspector.Inspect(file.Path, file.Tensors, VideoCheckpointDetectors.All);
        if (info.Family == CheckpointFamily.Unknown) throw new CommandLineException($"{info.Source}: {info.Description}");

        console.MarkupLine($"[bold]{Markup.Escape(info.Source)}[/]");
        var status = info.UnsupportedReason is null ? "[green]supported[/]" : $"[yellow]not supported yet[/]: {Markup.Escape(info.UnsupportedReason)}";
        console.MarkupLine($"family: [bold]{Markup.Escape(info.Description)}[/] ({status})");
        foreach (var note in info.Notes) console.MarkupLine($"  {Markup.Escape(note)}");
        console.MarkupLine("dtypes: " + string.Join(", ", info.DTypes.Select(d => $"{d.DType} ({d.Tensors} tensors, {d.Parameters:N0} values)")));

        var table = new Table().AddColumns("component", "key prefix", "tensors", "parameters");
        foreach (var c in info.Components)
            table.AddRow(Markup.Escape(c.Name), Markup.Escape(c.KeyPrefix), c.Tensors.ToString("N0"), c.Parameters.ToString("N0"));
        table.AddRow("[bold]total[/]", "", info.Components.Sum(c => c.Tensors).ToString("N0"), info.TotalParameters.ToString("N0"));
        console.Write(table);

        WriteKeys("missing keys", info.MissingKeys, "red");
        WriteKeys("unexpected keys", info.UnexpectedKeys, "yellow");
        if (info.IgnoredKeys.Count > 0)
            console.MarkupLine($"ignored: {info.IgnoredKeys.Count} tensors not needed for inference (schedule buffers, EMA, position_ids, loss, counters)");
        return 0;
    }

    private void WriteKeys(string title, IReadOnlyList<string> keys, string colour)
    {
        if (keys.Count == 0)
        {
            console.MarkupLine($"{title}: none");
            return;
        }
        console.MarkupLine($"[{colour}]{title}: {keys.Count}[/]");
        foreach (var key in keys.Take(KeysShown)) console.MarkupLine($"  {Markup.Escape(key)}");
        if (keys.Count > KeysShown) console.MarkupLine($"  … and {keys.Count - KeysShown} more");
    }
}
