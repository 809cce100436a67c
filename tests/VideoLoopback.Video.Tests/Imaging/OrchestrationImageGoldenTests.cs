using System.Security.Cryptography;
using System.Text.Json;
using TorchSharp;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Imaging;

/// <summary>
/// Image checks against the orchestration goldens: every PNG the fake-generator logs reference decodes to the
/// recorded mode, size and sha256 of Pillow's <c>tobytes()</c>; and WebUI's resize_image reproduces the loop-1
/// init images of every case whose init image is the plainly resized input frame.
/// </summary>
public class OrchestrationImageGoldenTests
{
    private static string Orchestration => GoldenData.Path("loopback", "orchestration");

    public static TheoryData<string> AllCases() => new(CaseNames());

    private static IEnumerable<string> CaseNames() =>
        Directory.GetDirectories(Orchestration).Order(StringComparer.Ordinal)
            .Where(dir => File.Exists(Path.Combine(dir, "calls.json"))).Select(dir => Path.GetFileName(dir));

    /// <summary>Cases whose loop-1 init image is resize_image(input frame): window '1', no schedule, mask or skipping.</summary>
    public static TheoryData<string> PlainResizeCases()
    {
        var data = new TheoryData<string>();
        foreach (var name in CaseNames())
        {
            var args = Case(name).GetProperty("script_run_args");
            if (args.GetProperty("temporal_superimpose_alpha_list").GetString() == "1"
                && args.GetProperty("temporal_superimpose_schedule").GetString() == ""
                && args.GetProperty("extract_nth_frame").GetInt32() == 1
                && !args.GetProperty("is_continue").GetBoolean()
                && !args.GetProperty("use_mask").GetBoolean()
                && Directory.Exists(Path.Combine(GoldenData.Path("loopback"), args.GetProperty("input_dir").GetString()!)))
                data.Add(name);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "loopback")]
    public void LoggedPngsDecodeToRecordedPixels(string caseName)
    {
        var folder = Path.Combine(Orchestration, caseName);
        var checkedFiles = 0;
        foreach (var call in Calls(caseName))
            foreach (var image in LoggedImages(call))
            {
                var file = image.GetProperty("file").GetString()!;
                var (tensor, mode) = ImageFile.Read(Path.Combine(folder, file));
                using (tensor)
                {
                    var what = $"orchestration/{caseName}/{file}";
                    Assert.True(image.GetProperty("mode").GetString() == mode.ToString(), $"{what}: decoded mode {mode}, recorded {image.GetProperty("mode")}");
                    var size = image.GetProperty("size");
                    Assert.True(size[0].GetInt64() == tensor.shape[2] && size[1].GetInt64() == tensor.shape[1],
                        $"{what}: decoded {tensor.shape[2]}x{tensor.shape[1]}, recorded {size[0]}x{size[1]}");
                    var pixels = ImageFile.ToInterleaved(tensor, what).Pixels;
                    Assert.True(image.GetProperty("sha256").GetString() == Convert.ToHexStringLower(SHA256.HashData(pixels)),
                        $"{what}: sha256 of the decoded pixels differs from the recorded one");
                }
                checkedFiles++;
            }
        Assert.True(checkedFiles > 0, $"orchestration/{caseName}: calls.json references no images");
    }

    [Theory]
    [MemberData(nameof(PlainResizeCases))]
    [Trait("Category", "Golden")]
    [Trait("Area", "loopback")]
    public void WebUiResizeGivesLoopOneInitImages(string caseName)
    {
        using var scope = torch.NewDisposeScope();
        var root = GoldenData.Path("loopback");
        var setup = Case(caseName);
        var p = setup.GetProperty("p_fields_before_run");
        var mode = (WebUiResizeMode)p.GetProperty("resize_mode").GetInt32();
        int width = p.GetProperty("width").GetInt32(), height = p.GetProperty("height").GetInt32();
        var inputDir = Path.Combine(root, setup.GetProperty("script_run_args").GetProperty("input_dir").GetString()!);
        // listfiles order (plain string sort), image files only
        var frames = Directory.GetFiles(inputDir).Order(StringComparer.Ordinal).Where(f => !f.EndsWith(".txt", StringComparison.Ordinal)).ToArray();
        var calls = Calls(caseName);
        for (var i = 0; i < frames.Length; i++)
        {
            var init = calls[i].GetProperty("init_image").GetProperty("file").GetString()!;
            var (expected, expectedMode) = ImageFile.Read(Path.Combine(Orchestration, caseName, init));
            var actual = WebUiResize.Resize(ImageFile.Read(frames[i]).Image, mode, width, height);
            ImageAssert.Equal(expected, expectedMode, actual,
                $"orchestration/{caseName}: resize_image({(int)mode}, {Path.GetFileName(frames[i])}, {width}, {height}) vs {init}");
        }
    }

    private static JsonElement Case(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Orchestration, name, "case.json"))).RootElement.Clone();

    private static JsonElement[] Calls(string name) =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(Orchestration, name, "calls.json"))).RootElement.EnumerateArray().Select(c => c.Clone()).ToArray();

    private static IEnumerable<JsonElement> LoggedImages(JsonElement call)
    {
        yield return call.GetProperty("init_image");
        if (call.GetProperty("image_mask").ValueKind == JsonValueKind.Object) yield return call.GetProperty("image_mask");
        foreach (var control in call.GetProperty("control_net_input_image").EnumerateArray()) yield return control;
        foreach (var output in call.GetProperty("output_images").EnumerateArray()) yield return output;
    }
}
