using System.Globalization;
using System.Text.Json;
using TorchSharp;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Imaging;

/// <summary>
/// Every case of golden/loopback/pil/manifest.json (Pillow 9.4.0 outputs) reproduced bit-exactly:
/// decoded pixels and mode, tolerance 0.
/// </summary>
public class PilGoldenTests
{
    private static string PilFolder => GoldenData.Path("loopback", "pil");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        using var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(PilFolder, "manifest.json")));
        foreach (var op in manifest.RootElement.GetProperty("ops").EnumerateArray())
            data.Add(op.GetProperty("file").GetString()!);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "loopback")]
    public void MatchesPillowBitExactly(string file)
    {
        using var scope = torch.NewDisposeScope();
        var op = FindOp(file);
        var actual = Run(op, file);
        var (expected, expectedMode) = Read(file);
        ImageAssert.Equal(expected, expectedMode, actual, $"pil/{file} ({op.GetProperty("name").GetString()})");
    }

    private static JsonElement FindOp(string file)
    {
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(PilFolder, "manifest.json")));
        return manifest.RootElement.GetProperty("ops").EnumerateArray().Single(o => o.GetProperty("file").GetString() == file).Clone();
    }

    private static (Tensor Image, ImageMode Mode) Read(string file) => ImageFile.Read(Path.Combine(PilFolder, file));

    private static Tensor Input(JsonElement op, string key) => Read(op.GetProperty(key).GetString()!).Image;

    private static Tensor Run(JsonElement op, string file)
    {
        var name = op.GetProperty("name").GetString()!;
        var stem = Path.GetFileNameWithoutExtension(file);
        if (name.StartsWith("filter ", StringComparison.Ordinal))
            return FilterFromCaseName(name["filter ".Length..]).Apply(Input(op, "input"));
        if (stem.StartsWith("blend_", StringComparison.Ordinal))
            return ImageBlend.Blend(Input(op, "input"), Input(op, "input2"), op.GetProperty("alpha").GetDouble());
        if (stem.StartsWith("composite_", StringComparison.Ordinal))
            return ImageBlend.Composite(Input(op, "input"), Input(op, "input2"), Input(op, "mask"));
        if (stem.StartsWith("difference_", StringComparison.Ordinal))
            return ImageBlend.Difference(Input(op, "input"), Input(op, "input2"));
        switch (stem)
        {
            case "convert_L_rgb": return ImageConvert.ToL(Read("input_rgb.png").Image);
            case "convert_L_rgba": return ImageConvert.ToL(Read("input_rgba.png").Image);
            case "convert_RGB_rgba": return ImageConvert.ToRgb(Read("input_rgba.png").Image);
        }
        if (stem.StartsWith("point_threshold_", StringComparison.Ordinal))
        {
            var t = int.Parse(stem["point_threshold_".Length..], CultureInfo.InvariantCulture);
            return ImagePoint.Point(Read("convert_L_rgb.png").Image, x => x > t ? 255 : 0);
        }
        if (stem.StartsWith("point_diffmask_", StringComparison.Ordinal))
        {
            var alpha = double.Parse(stem["point_diffmask_".Length..], CultureInfo.InvariantCulture);
            var lut = ImagePoint.Lut(x => x > 0 ? 255 : 255 * (1 - alpha));
            Assert.Equal(op.GetProperty("lut_value_for_0").GetInt32(), lut[0]);
            var difference = ImageBlend.Difference(Read("input_rgb.png").Image, Read("input2_rgb.png").Image);
            return ImagePoint.Point(ImageConvert.ToL(difference), lut);
        }
        if (stem.StartsWith("resize_", StringComparison.Ordinal))
        {
            var filter = Enum.Parse<ResampleFilter>(stem.Split('_')[1], ignoreCase: true);
            var size = op.GetProperty("size");
            return ImageResize.Resize(Input(op, "input"), size[0].GetInt32(), size[1].GetInt32(), filter);
        }
        throw new InvalidOperationException($"pil/{file}: manifest case '{name}' has no runner in this test");
    }

    /// <summary>"BLUR", "GaussianBlur_2", "UnsharpMask_2_150_3" -> the factory's filter.</summary>
    private static IImageFilter FilterFromCaseName(string caseName)
    {
        if (ImageFilters.IsKnown(caseName)) return ImageFilters.Create(caseName);
        var parts = caseName.Split('_');
        return ImageFilters.Create(parts[0], parts[1..].Select(p => double.Parse(p, CultureInfo.InvariantCulture)).ToArray());
    }
}
