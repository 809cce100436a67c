using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Diffusion.ControlNet.Preprocessors;
using VideoLoopback.Video.Imaging;

namespace VideoLoopback.Cli.Commands;

/// <summary>
/// <c>videoloopback preprocess --module canny --input frame.png --output hint.png</c>: runs one ControlNet preprocessor on an image
/// and writes the control map, so it can be checked before a render (which fits the map to the generation size afterwards).
/// </summary>
public sealed class PreprocessCommand(IAnsiConsole console) : Command<PreprocessCommand.Settings>
{
    public sealed class Settings : CommandSettings
    {
        [CommandOption("--module <NAME>")]
        [Description("The sd-webui-controlnet preprocessor: none, canny, invert, threshold, scribble_xdog, tile_resample, tile_colorfix, " +
                     "tile_colorfix+sharp, shuffle, inpaint_only, lineart_standard.")]
        public string Module { get; init; } = "";

        [CommandOption("--input <PNG>")]
        [Description("The image to preprocess (a reference frame, or an input frame).")]
        public string Input { get; init; } = "";

        [CommandOption("--output <PNG>")]
        [Description("Where to write the control map (RGB PNG).")]
        public string Output { get; init; } = "";

        [CommandOption("--processor-res <N>")]
        [Description("The unit's processor_res (default: the module's, 512 for most; -1 = default).")]
        public int? ProcessorRes { get; init; }

        [CommandOption("--threshold-a <A>")]
        [Description("The unit's threshold_a (default: the module's, e.g. canny's low threshold 100; -1 = default).")]
        public double? ThresholdA { get; init; }

        [CommandOption("--threshold-b <B>")]
        [Description("The unit's threshold_b (default: the module's, e.g. canny's high threshold 200; -1 = default).")]
        public double? ThresholdB { get; init; }

        [CommandOption("--seed <N>")]
        [Description("numpy's seed for shuffle; a render uses (seed + subseed) mod 2^32 of the frame. Default 0.")]
        public long Seed { get; init; }
    }

    public override int Execute(CommandContext context, Settings s, CancellationToken cancellationToken)
    {
        if (s.Module.Length == 0) throw new CommandLineException("--module: a preprocessor name is required");
        if (s.Input.Length == 0 || s.Output.Length == 0) throw new CommandLineException("--input and --output: both PNG paths are required");
        var preprocessor = PreprocessorRegistry.Find(s.Module, out var problem) ?? throw new CommandLineException($"--module: {problem}");
        if (preprocessor.Check(s.ProcessorRes, s.ThresholdA, s.ThresholdB) is { } range) throw new CommandLineException(range);
        if (!File.Exists(s.Input)) throw new CommandLineException($"--input '{s.Input}' not found");
        RgbImage image;
        try
        {
            var (tensor, _) = ImageFile.Read(s.Input);
            using (tensor) image = RgbImage.FromChw(tensor);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or ArgumentException or NotSupportedException)
        {
            throw new CommandLineException($"--input '{s.Input}': {e.Message}");
        }
        var settings = preprocessor.Settings(s.ProcessorRes, s.ThresholdA, s.ThresholdB, PreprocessorSettings.NumpySeed(s.Seed, 0));
        var map = preprocessor.Apply(image, settings);
        using var output = map.ToChw();
        ImageFile.Write(s.Output, output);
        console.WriteLine($"{s.Output}: {preprocessor.Name} {map.Width}x{map.Height} (processor_res {settings.Resolution}, " +
                          $"threshold_a {settings.ThresholdA}, threshold_b {settings.ThresholdB})");
        return 0;
    }
}
