using System.Text.Json;
using VideoLoopback.Diffusion.ControlNet;
using VideoLoopback.Diffusion.Safetensors;
using VideoLoopback.Diffusion.Tests.Lora;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.ControlNet;

/// <summary>
/// <c>golden_hint_resize.*</c>: every source PNG x resize mode through sd-webui-controlnet's detectmap_proc, black/white two-colour
/// maps (binarised and thinned after resizing) included. Sizes exact; control = map / 255. Pixels: the README allows one uint8
/// level for OpenCV's uint8 kernels; we hold that only where area averaging is used (computed in floating point), and require
/// identical pixels where the result is reproduced exactly (nearest, bicubic, and the binarised maps built on them).
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "adapters")]
public class HintResizeGoldenTests
{
    private const int AreaTolerance = 1;

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

    /// <summary>
    /// The detectmap_proc size the source is resized to before cropping or padding (README 1.4: k = max / min of the axis ratios,
    /// sizes rounded half to even as np.round), and so whether the extension's rule picks area averaging: pixel count shrinks
    /// and not 3..199 colours (nearest).
    /// </summary>
    private static int Tolerance(HintResizeMode mode, int sourceH, int sourceW, int h, int w, int uniqueColours)
    {
        double k0 = (double)h / sourceH, k1 = (double)w / sourceW;
        long resizedArea = mode switch
        {
            HintResizeMode.JustResize => (long)h * w,
            HintResizeMode.CropAndResize => (long)Math.Round(sourceH * Math.Max(k0, k1)) * (long)Math.Round(sourceW * Math.Max(k0, k1)),
            _ => (long)Math.Round(sourceH * Math.Min(k0, k1)) * (long)Math.Round(sourceW * Math.Min(k0, k1)),
        };
        bool area = uniqueColours is not (> 2 and < 200) && resizedArea < (long)sourceH * sourceW;
        return area ? AreaTolerance : 0;
    }

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
        int tolerance = Tolerance(mode, (int)image.shape[1], (int)image.shape[2], h, w, uniqueColours);
        int worst = (map.to(ScalarType.Int32) - expectedMap.to(ScalarType.Int32)).abs().max().item<int>();
        Assert.True(worst <= tolerance,
            $"{caseName} {modeName} ({uniqueColours} colours): detected map differs by up to {worst} levels (tolerance {tolerance})");

        var control = HintImage.ToControl(image, h, w, mode);
        var expectedControl = golden.Load($"{caseName}.{key}.control");
        double controlError = AdapterGolden.MaxAbs(control, expectedControl);
        Assert.True(controlError <= tolerance / 255.0 + 1e-6, $"{caseName} {modeName}: control differs by {controlError:E3} (tolerance {tolerance}/255)");
    }
}
