using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Tests.Render;

/// <summary><c>render --generator sd</c> with ControlNet units and LoRAs on the tiny SD1.5 checkpoint and the tiny adapters.</summary>
[Trait("Area", "adapters")]
public sealed class AdapterRenderTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-render-adapters-");

    private static string Tiny => Path.GetFullPath(Path.Combine(GoldenData.Path("sd15"), "tiny-sd15.safetensors"));
    private static string ControlNet(string name) => Path.GetFullPath(Path.Combine(GoldenData.Path("adapters", "controlnet"), name));
    private static string LoraFolder => Path.GetFullPath(GoldenData.Path("adapters", "lora"));

    /// <summary>A folder of <paramref name="count"/> 32x32 frames; <paramref name="shift"/> makes folders differ.</summary>
    private string Frames(string name, int count, int shift)
    {
        var dir = Directory.CreateDirectory(Path.Combine(_temp.FullName, name)).FullName;
        for (int i = 0; i < count; i++)
        {
            using var image = ((arange(3 * 32 * 32, dtype: ScalarType.Int32) * (i + 1) + shift) % 251).reshape(3, 32, 32).to(ScalarType.Byte);
            ImageFile.Write(Path.Combine(dir, $"{i:D3}.png"), image);
        }
        return dir;
    }

    private (int Code, string Log, string Output) Render(params string[] extra)
    {
        var output = Path.Combine(_temp.FullName, "out" + Guid.NewGuid().ToString("N")[..6]);
        string[] common = ["render", "--generator", "sd", "--checkpoint", Tiny, "--device", "cpu", "--no-video", "--output", output,
            "--loop-n", "1", "--width", "32", "--height", "32", "--steps", "2", "--denoising-strength", "0.6", "--sampler-name", "Euler",
            "--seed", "3", "--subseed", "4", "--prompt", "a red fox", "--negative-prompt", "blurry"];
        var (code, log) = CliProcess.RunCli([.. common, .. extra]);
        return (code, log, output);
    }

    private static Tensor FirstFrame(string output)
    {
        var run = Assert.Single(Directory.GetDirectories(output));
        var frame = Directory.GetFiles(Path.Combine(run, "output_frames", "loop_1"), "*.png").Order().First();
        return ImageFile.Read(frame).Image;
    }

    [Fact]
    public void TwoControlNetsEachReadTheirOwnReferenceFolderAndChangeTheResult()
    {
        var input = Frames("input", 2, 0);
        var refs = $"{Frames("ref_a", 2, 40)}!!!{Frames("ref_b", 2, 90)}";
        var plain = Render("--input", input);
        Assert.True(plain.Code == 0, plain.Log);
        var controlled = Render("--input", input, "--reference-frames-directory", refs,
            "--controlnet", ControlNet("tiny_controlnet_A.safetensors") + ",weight=1.0,mode=balanced,resize=just",
            "--controlnet", ControlNet("tiny_controlnet_B.safetensors") + ",weight=0.6,start=0,end=1,mode=controlnet");
        Assert.True(controlled.Code == 0, controlled.Log);
        using var a = FirstFrame(plain.Output);
        using var b = FirstFrame(controlled.Output);
        Assert.False(a.eq(b).all().item<bool>(), "two ControlNets left the frame unchanged");
        // The settings JSON is <timestamp>.json; the resume record beside it is <timestamp>.resume.json.
        var run = Assert.Single(Directory.GetDirectories(controlled.Output));
        var settings = File.ReadAllText(Path.Combine(run, Path.GetFileName(run) + ".json"));
        Assert.Contains("\"controlnet_units\"", settings);
        Assert.Contains("tiny_controlnet_B.safetensors", settings);
    }

    [Fact]
    public void AReferenceFolderShorterThanTheInputIsRefusedBeforeAnyFrame()
    {
        var (code, log, output) = Render("--input", Frames("input", 3, 0), "--reference-frames-directory", Frames("short", 2, 40),
            "--controlnet", ControlNet("tiny_controlnet_A.safetensors"));
        Assert.Equal(1, code);
        Assert.Contains("has 2 usable frame(s) but the input has 3", log);
        Assert.False(Directory.Exists(output) && Directory.EnumerateFiles(output, "*.png", SearchOption.AllDirectories).Any(), "frames were rendered");
    }

    [Fact]
    public void MoreControlNetsThanReferenceFoldersIsRefused()
    {
        var (code, log, _) = Render("--input", Frames("input", 2, 0), "--reference-frames-directory", Frames("ref", 2, 40),
            "--controlnet", ControlNet("tiny_controlnet_A.safetensors"), "--controlnet", ControlNet("tiny_controlnet_B.safetensors"));
        Assert.Equal(1, code);
        Assert.Contains("2 ControlNet unit(s) but 1 reference_frames_directory", log);
    }

    [Fact]
    public void AControlNetFileThatIsNotOneIsRefusedNamingIt()
    {
        var (code, log, _) = Render("--input", Frames("input", 2, 0), "--controlnet", Tiny);
        Assert.Equal(1, code);
        Assert.Contains("tiny-sd15.safetensors", log);
        Assert.Contains("not a ControlNet", log);
    }

    [Fact]
    public void JobLoraAndPromptTagGiveTheSameFrameAndUnknownNamesWarn()
    {
        var input = Frames("input", 1, 0);
        var plain = Render("--input", input);
        var fromJob = Render("--input", input, "--lora-dir", LoraFolder, "--lora", "tiny_lora_r4_a2:1.5");
        var fromTag = Render("--input", input, "--lora-dir", LoraFolder, "--prompt", "a red fox <lora:tiny_lora_r4_a2:1.5>");
        var unknown = Render("--input", input, "--lora-dir", LoraFolder, "--prompt", "a red fox <lora:not_there:1>");
        foreach (var r in new[] { plain, fromJob, fromTag, unknown }) Assert.True(r.Code == 0, r.Log);
        using var p = FirstFrame(plain.Output);
        using var j = FirstFrame(fromJob.Output);
        using var t = FirstFrame(fromTag.Output);
        using var u = FirstFrame(unknown.Output);
        Assert.False(p.eq(j).all().item<bool>(), "the LoRA left the frame unchanged");
        Assert.True(j.eq(t).all().item<bool>(), "--lora and the prompt tag gave different frames");
        Assert.True(p.eq(u).all().item<bool>(), "an unknown LoRA name changed the frame");
        Assert.Contains("not_there", unknown.Log);
    }

    [Fact]
    public void AJobLoraNotInTheFolderIsRefusedBeforeAnyWork()
    {
        var (code, log, _) = Render("--input", Frames("input", 1, 0), "--lora-dir", LoraFolder, "--lora", "missing_lora:0.5");
        Assert.Equal(1, code);
        Assert.Contains("'missing_lora' not found", log);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
