using System.Text.Json;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Lora;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.ControlNet;

/// <summary>
/// <c>golden_hint_resize.*</c>: every source PNG x resize mode through sd-webui-controlnet's detectmap_proc, black/white two-colour
/// maps (binarised and thinned after resizing) included. Sizes exact, pixels within one uint8 level (the README's tolerance for
/// OpenCV's uint8 kernels), control = map / 255.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "adapters")]
public class HintResizeGoldenTests
{
    private const int PixelTolerance = 1;

    public static TheoryData<string, string, int, int, int> Cases()
    {
        var data = new TheoryData<string, string, int, int, int>();
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(AdapterGolden.ControlNetFolder, "golden_hint_resize.json")));
        foreach (var c in json.RootElement.EnumerateArray())
            data.Add(c.GetProperty("case").GetString()!, c.GetProperty("resize_mode").GetString()!, c.GetProperty("h").GetInt32(),
                c.GetProperty("w").GetInt32(), c.GetProperty("unique_colors").GetInt32());
        return data;
    }

    private static (HintResizeMode Mode, string Key) Mode(string name) => name switch
    {
        "Just Resize" => (HintResizeMode.JustResize, "RESIZE"),
        "Crop and Resize" => (HintResizeMode.CropAndResize, "INNER_FIT"),
        "Resize and Fill" => (HintResizeMode.ResizeAndFill, "OUTER_FIT"),
        _ => throw new ArgumentException($"unknown resize mode '{name}'"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResizedHintMatches(string caseName, string modeName, int h, int w, int uniqueColours)
    {
        using var scope = NewDisposeScope();
        var (mode, key) = Mode(modeName);
        var (image, _) = ImageFile.Read(Path.Combine(AdapterGolden.ControlNetFolder, $"hintsrc_{caseName}.png"));
        using var golden = SafetensorsFile.Open(Path.Combine(AdapterGolden.ControlNetFolder, "golden_hint_resize.safetensors"));
        var expectedMap = golden.Load($"{caseName}.{key}.detected_map");
        var map = tensor(HintImage.DetectedMap(image, h, w, mode), [h, w, 3], ScalarType.Byte);
        Assert.Equal(expectedMap.shape, map.shape);
        int worst = (map.to(ScalarType.Int32) - expectedMap.to(ScalarType.Int32)).abs().max().item<int>();
        Assert.True(worst <= PixelTolerance,
            $"{caseName} {modeName} ({uniqueColours} colours): detected map differs by up to {worst} levels (tolerance {PixelTolerance})");

        var control = HintImage.ToControl(image, h, w, mode);
        var expectedControl = golden.Load($"{caseName}.{key}.control");
        double controlError = AdapterGolden.MaxAbs(control, expectedControl);
        Assert.True(controlError <= PixelTolerance / 255.0 + 1e-6, $"{caseName} {modeName}: control differs by {controlError:E3}");
    }
}
