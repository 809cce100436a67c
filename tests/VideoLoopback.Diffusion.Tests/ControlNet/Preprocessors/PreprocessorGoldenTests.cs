using System.Text.Json;
using VideoLoopback.Diffusion.ControlNet.Preprocessors;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;

namespace VideoLoopback.Diffusion.Tests.ControlNet.Preprocessors;

/// <summary>
/// <c>adapters/preprocessors</c>: sd-webui-controlnet's own model-free preprocessors run on odd-sized images at default and
/// non-default settings (see the README there), processor resolutions that enlarge (bicubic) and shrink (area) included. Every
/// output must match pixel for pixel.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "adapters")]
public class PreprocessorGoldenTests
{
    private static string Folder => GoldenData.Path("adapters", "preprocessors");

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in ReadCases()) data.Add(c.GetProperty("case").GetString()!);
        return data;
    }

    private static List<JsonElement> ReadCases()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, "cases.json")));
        return json.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToList();
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void OutputMatches(string caseName)
    {
        var c = ReadCases().Single(x => x.GetProperty("case").GetString() == caseName);
        var module = c.GetProperty("module").GetString()!;
        var seed = c.GetProperty("seed");
        var preprocessor = PreprocessorRegistry.Get(module);
        var settings = preprocessor.Settings(c.GetProperty("processor_res").GetDouble(), c.GetProperty("threshold_a").GetDouble(),
            c.GetProperty("threshold_b").GetDouble(), seed.ValueKind == JsonValueKind.Number ? seed.GetUInt32() : 0);
        var input = Read(c.GetProperty("input").GetString()!);
        var expected = Read(c.GetProperty("output").GetString()!);

        var actual = preprocessor.Apply(input, settings);

        Assert.True(expected.Height == actual.Height && expected.Width == actual.Width,
            $"{caseName}: size {actual.Width}x{actual.Height}, expected {expected.Width}x{expected.Height}");
        int worst = 0, differing = 0;
        for (int i = 0; i < actual.Pixels.Length; i++)
        {
            int difference = Math.Abs(actual.Pixels[i] - expected.Pixels[i]);
            worst = Math.Max(worst, difference);
            if (difference != 0) differing++;
        }
        Assert.True(worst == 0, $"{caseName}: {differing} of {actual.Pixels.Length} values differ, by up to {worst} levels (tolerance 0)");
    }

    private static RgbImage Read(string relative)
    {
        var (image, _) = ImageFile.Read(Path.Combine(Folder, relative));
        using (image) return RgbImage.FromChw(image);
    }
}
