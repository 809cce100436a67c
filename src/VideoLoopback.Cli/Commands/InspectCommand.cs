using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.Safetensors;

namespace VideoLoopback.Cli.Commands;

public sealed class InspectCommand : Command<InspectCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<file>")]
        [Description("A model file (.safetensors).")]
        public string File { get; init; } = "";
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        try
        {
            using var file = SafetensorsFile.Open(settings.File);
            var table = new Table().AddColumns("dtype", "tensors", "parameters");
            foreach (var group in file.Entries.GroupBy(e => e.DType))
                table.AddRow(group.Key.ToString(), group.Count().ToString(), group.Sum(e => e.ElementCount).ToString("N0"));
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(settings.File)}[/]: {file.Entries.Count} tensors");
            AnsiConsole.Write(table);
            return 0;
        }
        catch (SafetensorsException e)
        {
            AnsiConsole.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
    }
}
