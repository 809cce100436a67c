using System.ComponentModel;
using System.Globalization;
using Spectre.Console;
using Spectre.Console.Cli;
using TorchSharp;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// <c>videoloopback bench imaging</c>: throughput of the PIL-exact image operations on random uint8 frames
/// (every post-processing filter, the blends, convert('L'), LANCZOS resize, WebUI resize modes, PNG encode/decode).
/// </summary>
public sealed class BenchImagingCommand : Command<BenchImagingCommand.Settings>, IBenchCommand
{
    public static string Name => "imaging";
    public static string Description => "Throughput of the PIL-exact image operations (filters, blends, resize, PNG I/O).";

    public sealed class Settings : DeviceBenchSettings
    {
        [CommandOption("--frames")]
        [Description("Frames per batch (default 8).")]
        public int Frames { get; init; } = 8;

        [CommandOption("--size")]
        [Description("Frame width and height in pixels (default 512).")]
        public int Size { get; init; } = 512;

        [CommandOption("--repeat")]
        [Description("Timed repetitions per operation after one warm-up (default 3).")]
        public int Repeat { get; init; } = 3;
    }

    public override int Execute(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        if (settings.Frames < 1 || settings.Size < 8 || settings.Repeat < 1)
            throw new CommandLineException("--frames and --repeat must be >= 1 and --size >= 8");
        settings.ApplyThreads();
        var device = settings.TorchDevice;
        int n = settings.Frames, size = settings.Size;
        using var generator = new torch.Generator(0);
        using var rgb = torch.randint(0, 256, [n, 3, size, size], generator: generator, dtype: ScalarType.Byte).to(device);
        using var other = torch.randint(0, 256, [n, 3, size, size], generator: generator, dtype: ScalarType.Byte).to(device);
        using var rgba = torch.randint(0, 256, [n, 4, size, size], generator: generator, dtype: ScalarType.Byte).to(device);
        using var mask = torch.randint(0, 256, [n, 1, size, size], generator: generator, dtype: ScalarType.Byte).to(device);

        var operations = new List<(string Name, Func<Tensor> Run)>();
        foreach (var name in ImageFilters.Names.Where(f => f is not ("BoxBlur" or "RankFilter")))
        {
            var filter = ImageFilters.Create(name);
            operations.Add(($"filter {filter.Name}", () => filter.Apply(rgb)));
        }
        var box = ImageFilters.Create("BoxBlur", 1);
        operations.Add(($"filter {box.Name}", () => box.Apply(rgb)));
        operations.Add(("Image.blend 0.3", () => ImageBlend.Blend(rgb, other, 0.3)));
        operations.Add(("Image.composite", () => ImageBlend.Composite(rgb, other, mask)));
        operations.Add(("ImageChops.difference", () => ImageBlend.Difference(rgb, other)));
        operations.Add(("convert('L')", () => ImageConvert.ToL(rgb)));
        operations.Add(("resize LANCZOS RGB x1.5", () => ImageResize.Resize(rgb, size * 3 / 2, size * 3 / 2)));
        operations.Add(("resize LANCZOS RGBA x0.5", () => ImageResize.Resize(rgba, size / 2, size / 2)));
        operations.Add(("resize_image fill 16:9", () => WebUiResize.Resize(rgb, WebUiResizeMode.ResizeAndFill, size * 16 / 9, size)));
        operations.Add(("PNG encode+decode RGB", () => RoundTripPng(rgb)));
        // Inpainting's PIL steps, one image at a time as the pipeline calls them.
        operations.Add(("masking.fill (PIL-exact)", () => PerFrame(rgb, mask, WebUiMaskedFill.Apply)));
        operations.Add(("masking.fill (torch float)", () => PerFrame(rgb, mask, Diffusion.Pipelines.MaskedFill.Approximate)));
        operations.Add(("inpaint overlay (PIL-exact)", () => PerFrame(rgb, mask, (image, m) => WebUiOverlay.Apply(image, image.flip(2), m))));

        var table = new Table().AddColumns("operation", "ms / batch", "frames / s");
        AnsiConsole.MarkupLine($"bench imaging: {n} frames {size}x{size} on {Markup.Escape(device.ToString())}, {settings.Repeat} timed runs");
        foreach (var (name, run) in operations)
        {
            if (cancellationToken.IsCancellationRequested) break;
            var ms = BenchTiming.MeanSeconds(() => run(), settings.Repeat, device) * 1000;
            table.AddRow(Markup.Escape(name), ms.ToString("F1", CultureInfo.InvariantCulture), (n * 1000.0 / ms).ToString("F1", CultureInfo.InvariantCulture));
        }
        AnsiConsole.Write(table);
        return 0;
    }

    private static Tensor PerFrame(Tensor frames, Tensor masks, Func<Tensor, Tensor, Tensor> operation) =>
        torch.stack(Enumerable.Range(0, (int)frames.shape[0]).Select(i => operation(frames[i], masks[i, 0])).ToList());

    private static Tensor RoundTripPng(Tensor frames)
    {
        var folder = Directory.CreateTempSubdirectory("bench-imaging-");
        try
        {
            var read = new List<Tensor>();
            for (var i = 0; i < frames.shape[0]; i++)
            {
                var path = Path.Combine(folder.FullName, $"{i:D7}.png");
                ImageFile.Write(path, frames[i]);
                read.Add(ImageFile.Read(path, frames.device).Image);
            }
            return torch.stack(read);
        }
        finally { folder.Delete(recursive: true); }
    }
}
