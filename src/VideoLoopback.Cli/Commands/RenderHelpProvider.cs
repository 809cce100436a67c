using Spectre.Console;
using Spectre.Console.Cli;
using Spectre.Console.Cli.Help;
using Spectre.Console.Rendering;
using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Cli.Commands;

/// <summary>
/// Spectre's help, plus the job parameter options of <c>render</c> (<see cref="JobParameters"/>, one row each after the
/// command's own options): the command reads those from its remaining arguments, so Spectre does not know them.
/// </summary>
public sealed class RenderHelpProvider(ICommandAppSettings settings) : HelpProvider(settings)
{
    public override IEnumerable<IRenderable> GetOptions(ICommandModel model, ICommandInfo? command)
    {
        var sections = base.GetOptions(model, command).ToList();
        if (command is not { Name: "render", Parent: null } || sections.OfType<Grid>().LastOrDefault() is not { } grid) return sections;
        foreach (var parameter in JobParameters.All)
        {
            // Plain text: the help lines hold brackets ([,weight=1]) that markup would read as styles.
            var option = new Text("    " + parameter.OptionSyntax);
            var help = new Text(TrimTrailingPeriod ? parameter.Help.TrimEnd('.') : parameter.Help);
            grid.AddRow(grid.Columns.Count == 3 ? [option, Text.Empty, help] : [option, help]);
        }
        return sections;
    }
}
