using VideoLoopback.Video.Imaging;
using System.Globalization;
using System.Text.Json;
using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Tests.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>
/// Every orchestration case of the golden folder, rendered with the fake generator: every output frame of every loop
/// (decoded pixels and mode, exact), the generator call log field by field, and the settings JSON.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "loopback")]
public sealed class OrchestrationGoldenTests
{
    public static IEnumerable<object[]> Cases() => OrchestrationCase.All();

    [Theory]
    [MemberData(nameof(Cases))]
    public void RenderMatchesOriginal(string caseName)
    {
        var golden = OrchestrationCase.Load(caseName);
        var output = Directory.CreateTempSubdirectory("vl-golden-");
        try
        {
            // Batches of 4 frames: the results must not depend on batching.
            var job = golden.Job(output.FullName) with { GeneratorBatch = 4 };
            using var generator = new RecordingGenerator(new FakeGenerator());
            var engine = new LoopbackEngine(job, generator, TestSchedules.Compiler, CPU);
            var result = engine.Run(new RenderOptions { Timestamp = OrchestrationCase.Timestamp, EncodeVideos = false });
            Assert.False(result.Interrupted);

            CompareFrames(golden, result.RunDirectory);
            CompareCalls(golden, generator.Calls);
            CompareSettings(golden, Path.Combine(result.RunDirectory, OrchestrationCase.Timestamp + ".json"));
        }
        finally
        {
            output.Delete(recursive: true);
        }
    }

    private static void CompareFrames(OrchestrationCase golden, string runDirectory)
    {
        var goldenFrames = Path.Combine(golden.Folder, "output_frames");
        var loops = Directory.GetDirectories(goldenFrames).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var ours = Directory.GetDirectories(Path.Combine(runDirectory, "output_frames")).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.True(loops.SequenceEqual(ours), $"{golden.Name}: loop folders {string.Join(",", ours)}, expected {string.Join(",", loops)}");
        foreach (var loop in loops)
        {
            var expectedFiles = Directory.GetFiles(Path.Combine(goldenFrames, loop!)).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            var actualFiles = Directory.GetFiles(Path.Combine(runDirectory, "output_frames", loop!)).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.True(expectedFiles.SequenceEqual(actualFiles), $"{golden.Name}/{loop}: files {string.Join(",", actualFiles)}, expected {string.Join(",", expectedFiles)}");
            foreach (var file in expectedFiles)
            {
                using var expected = ImageFile.Read(Path.Combine(goldenFrames, loop!, file!)).Image;
                using var actual = ImageFile.Read(Path.Combine(runDirectory, "output_frames", loop!, file!)).Image;
                AssertSameImage(expected, actual, $"{golden.Name}: output_frames/{loop}/{file}");
            }
        }
    }

    private static void AssertSameImage(Tensor expected, Tensor actual, string what)
    {
        Assert.True(ImageHash.Mode(expected) == ImageHash.Mode(actual) && expected.shape.SequenceEqual(actual.shape),
            $"{what}: {ImageHash.Mode(actual)} [{string.Join(",", actual.shape)}], expected {ImageHash.Mode(expected)} [{string.Join(",", expected.shape)}]");
        using var diff = (expected.to(ScalarType.Int32) - actual.to(ScalarType.Int32)).abs();
        long maxDiff = diff.max().item<int>();
        long count = diff.gt(0).sum().item<long>();
        Assert.True(maxDiff == 0, $"{what}: {count} values differ, by up to {maxDiff} (tolerance 0)");
    }

    private static void CompareCalls(OrchestrationCase golden, IReadOnlyList<GeneratorCall> calls)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(golden.Folder, "calls.json")));
        var expected = doc.RootElement.EnumerateArray().ToList();
        Assert.True(expected.Count == calls.Count, $"{golden.Name}: {calls.Count} generator calls, expected {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
        {
            var e = expected[i];
            var c = calls[i];
            var p = c.Params;
            string at = $"{golden.Name} call {i}";
            Number(e, "seed", p.Seed, at);
            Number(e, "subseed", p.Subseed, at);
            Number(e, "subseed_strength", p.SubseedStrength, at);
            Number(e, "denoising_strength", p.DenoisingStrength, at);
            Number(e, "steps", p.Steps, at);
            Number(e, "cfg_scale", p.CfgScale, at);
            Number(e, "n_iter", p.BatchCount, at);
            Number(e, "batch_size", p.BatchSize, at);
            Number(e, "width", p.Width, at);
            Number(e, "height", p.Height, at);
            Number(e, "resize_mode", p.ResizeMode, at);
            Text(e, "prompt", p.Prompt, at);
            Text(e, "negative_prompt", p.NegativePrompt, at);
            Image(e.GetProperty("init_image"), c.InitImage, $"{at} init_image");
            if (e.GetProperty("image_mask").ValueKind == JsonValueKind.Null)
                Assert.True(c.Mask is null, $"{at}: image_mask given, expected none");
            else
            {
                Assert.True(c.Mask is not null, $"{at}: no image_mask, expected {e.GetProperty("image_mask").GetProperty("sha256")}");
                Image(e.GetProperty("image_mask"), c.Mask!, $"{at} image_mask");
            }
            var controls = e.GetProperty("control_net_input_image").EnumerateArray().ToList();
            Assert.True(controls.Count == c.ControlImages.Count, $"{at}: {c.ControlImages.Count} control images, expected {controls.Count}");
            for (int j = 0; j < controls.Count; j++) Image(controls[j], c.ControlImages[j], $"{at} control_net_input_image[{j}]");
            var outputs = e.GetProperty("output_images").EnumerateArray().ToList();
            Assert.True(outputs.Count == c.Outputs.Count, $"{at}: {c.Outputs.Count} output images, expected {outputs.Count}");
            for (int j = 0; j < outputs.Count; j++) Image(outputs[j], c.Outputs[j], $"{at} output_images[{j}]");
        }
    }

    private static void Number(JsonElement e, string key, double actual, string at)
    {
        double expected = e.GetProperty(key).GetDouble();
        Assert.True(expected == actual, $"{at}: {key} = {actual.ToString(CultureInfo.InvariantCulture)}, expected {expected.ToString(CultureInfo.InvariantCulture)}");
    }

    private static void Text(JsonElement e, string key, string actual, string at)
    {
        var expected = e.GetProperty(key).GetString();
        Assert.True(expected == actual, $"{at}: {key} = {JsonSerializer.Serialize(actual)}, expected {JsonSerializer.Serialize(expected)}");
    }

    private static void Image(JsonElement e, Tensor actual, string at)
    {
        var size = e.GetProperty("size").EnumerateArray().Select(x => x.GetInt64()).ToArray();
        var expected = $"{e.GetProperty("mode").GetString()} {size[0]}x{size[1]} {e.GetProperty("sha256").GetString()}";
        var got = ImageHash.Describe(actual);
        Assert.True(expected == got, $"{at}: {got}, expected {expected} ({e.GetProperty("file").GetString()})");
    }

    /// <summary>Same keys and values as the golden settings.json; the timestamp, paths and model name/hash aside.</summary>
    private static void CompareSettings(OrchestrationCase golden, string path)
    {
        string[] aside = ["timestamp", "input_dir", "output_dir", "mask_dir", "reference_frames_dir", "model_name", "model_hash"];
        using var expected = JsonDocument.Parse(File.ReadAllText(Path.Combine(golden.Folder, "settings.json")));
        using var actual = JsonDocument.Parse(File.ReadAllText(path));
        var e = expected.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        var a = actual.RootElement.EnumerateObject().Select(p => p.Name).ToList();
        Assert.True(e.SequenceEqual(a), $"{golden.Name}: settings keys [{string.Join(",", a)}], expected [{string.Join(",", e)}]");
        foreach (var key in e.Except(aside))
        {
            var ev = expected.RootElement.GetProperty(key);
            var av = actual.RootElement.GetProperty(key);
            bool same = ev.ValueKind == JsonValueKind.Number && av.ValueKind == JsonValueKind.Number
                ? ev.GetDouble() == av.GetDouble()
                : ev.GetRawText() == av.GetRawText();
            Assert.True(same, $"{golden.Name}: settings {key} = {av.GetRawText()}, expected {ev.GetRawText()}");
        }
    }
}
