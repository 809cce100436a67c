using VideoLoopback.Diffusion.Nn;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sdxl;

/// <summary>
/// img2img.json / img2img.safetensors: WebUI img2img (Euler, CFG 7, 6 steps at denoising 0.6) on the tiny SDXL checkpoint
/// loaded as a user's file, from given init latent and noise, at a non-square size: the prompt's and the (zeroed) empty
/// negative prompt's token rows and UNet vectors, every step's x and denoised, the samples and the VAE decode.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sdxl")]
public class SdxlImg2ImgGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private const double Tolerance = 5e-4;

    public static TheoryData<string> Cases()
    {
        using var json = SdxlGolden.Json("img2img.json");
        var data = new TheoryData<string>();
        foreach (var c in json.RootElement.EnumerateObject()) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Img2ImgMatchesWebUi(string caseName)
    {
        using var json = SdxlGolden.Json("img2img.json");
        var path = SdxlGolden.PathOf(json.RootElement.GetProperty(caseName).GetProperty("model").GetString()!);
        using var model = StableDiffusionModel.Load(path, StableDiffusionLoadOptions.ForCheckpoint(path, ModuleDevice.Cpu));
        CheckCase("img2img", caseName, model, output);
    }

    /// <summary>
    /// Runs case <paramref name="caseName"/> of <c>NAME.json</c> / <c>NAME.safetensors</c> (<paramref name="name"/>) on
    /// <paramref name="model"/>: conditioning rows and vectors, each step's x and denoised, the samples and the decode.
    /// </summary>
    internal static void CheckCase(string name, string caseName, StableDiffusionModel model, Xunit.Abstractions.ITestOutputHelper output)
    {
        using var scope = NewDisposeScope();
        using var json = SdxlGolden.Json(name + ".json");
        var info = json.RootElement.GetProperty(caseName);
        using var golden = SdxlGolden.Open(name + ".safetensors");
        Assert.Equal(info.GetProperty("scale_factor").GetDouble(), model.LatentScale);

        int steps = info.GetProperty("steps").GetInt32();
        int width = info.GetProperty("width").GetInt32(), height = info.GetProperty("height").GetInt32();
        string prompt = info.GetProperty("prompt").GetString()!, negative = info.GetProperty("negative_prompt").GetString()!;
        var conditioner = model.Conditioner(1);
        var errors = new List<string>();
        void Check(string what, Tensor actual, double tolerance) =>
            errors.Add($"{what} {SdxlGolden.AssertClose($"{caseName} {what}", golden.Load($"{caseName}/{what}"), actual, tolerance):E2}");

        using var vectors = model.VectorConditioningFor(width, height);
        Assert.NotNull(vectors);
        var guidance = PromptGuidance.From(conditioner.GetMultiCondLearnedConditioning([prompt], steps),
            conditioner.GetLearnedConditioning([negative], steps, negative: true), vectors);
        var rows = guidance(0);
        Check("cond_crossattn", rows.Cond, SdxlGolden.TextTolerance);
        Check("uncond_crossattn", rows.Uncond, SdxlGolden.TextTolerance);
        Check("cond_vector", rows.CondVector!, SdxlGolden.TextTolerance);
        Check("uncond_vector", rows.UncondVector!, SdxlGolden.TextTolerance);

        var xs = new List<Tensor>();
        var denoised = new List<Tensor>();
        var run = new LatentImg2Img
        {
            EpsModel = (x, t, r) => model.Eps(x, t, r),
            Prediction = model.Prediction,
            Sampler = SamplerRegistry.Get(info.GetProperty("sampler").GetString()!),
            Steps = steps,
            Denoising = info.GetProperty("denoising").GetDouble(),
            CfgScale = info.GetProperty("cfg_scale").GetDouble(),
            Conditioning = guidance,
            Callback = s =>
            {
                xs.Add(s.X.clone().DetachFromDisposeScope());
                denoised.Add(s.Denoised.clone().DetachFromDisposeScope());
            },
        };
        // Euler draws (and does not use) noise every step without churn; any source does.
        using var generator = new Generator(0);
        var noise = golden.Load(caseName + "/noise");
        var samples = run.Run(golden.Load(caseName + "/init_latent"), noise, () => randn(noise.shape, generator: generator), [0UL], RandnSource.Cpu);

        Check("x_callback", stack(xs), Tolerance);
        Check("denoised_callback", stack(denoised), Tolerance);
        Check("samples", samples, Tolerance);
        using (no_grad())
            Check("image", model.Vae.Decode(samples / model.LatentScale), Tolerance);
        output.WriteLine($"{caseName}: max abs errors " + string.Join(", ", errors));
    }
}
