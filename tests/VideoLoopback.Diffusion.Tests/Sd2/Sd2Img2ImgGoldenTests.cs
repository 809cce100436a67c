using System.Text.Json;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Diffusion.Text;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Tests.Sd2;

/// <summary>
/// img2img.json / img2img.safetensors: WebUI img2img (Euler, CFG 7, 6 steps at denoising 0.5) on the tiny eps and v
/// models from given init latent and noise: the prompt conditioning, every step's x and denoised, the samples and the
/// VAE decode. The v case runs through k-diffusion's CompVisVDenoiser semantics.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd2")]
public class Sd2Img2ImgGoldenTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Cases()
    {
        using var json = Sd2Golden.Json("img2img.json");
        var data = new TheoryData<string>();
        foreach (var c in json.RootElement.EnumerateObject()) data.Add(c.Name);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Img2ImgMatchesWebUi(string caseName)
    {
        using var scope = NewDisposeScope();
        using var json = Sd2Golden.Json("img2img.json");
        var info = json.RootElement.GetProperty(caseName);
        using var golden = Sd2Golden.Open("img2img.safetensors");
        using var model = Sd2Golden.Load(info.GetProperty("model").GetString()!);
        Assert.Equal(info.GetProperty("prediction").GetString(), model.Prediction.Name());

        int steps = info.GetProperty("steps").GetInt32();
        string prompt = info.GetProperty("prompt").GetString()!, negative = info.GetProperty("negative_prompt").GetString()!;
        var conditioner = model.Conditioner(1);
        var errors = new List<string>();
        void Check(string what, Tensor actual, double tolerance) =>
            errors.Add($"{what} {Sd2Golden.AssertClose($"{caseName} {what}", golden.Load($"{caseName}/{what}"), actual, tolerance):E2}");
        Check("cond", conditioner.EncodeTexts([prompt]), Sd2Golden.TextTolerance);
        Check("uncond", conditioner.EncodeTexts([negative]), Sd2Golden.TextTolerance);

        var xs = new List<Tensor>();
        var denoised = new List<Tensor>();
        var run = new LatentImg2Img
        {
            EpsModel = (x, t, rows) => model.Eps(x, t, rows),
            Prediction = model.Prediction,
            Sampler = SamplerRegistry.Get(info.GetProperty("sampler").GetString()!),
            Steps = steps,
            Denoising = info.GetProperty("denoising").GetDouble(),
            CfgScale = info.GetProperty("cfg_scale").GetDouble(),
            Conditioning = PromptGuidance.From(conditioner.GetMultiCondLearnedConditioning([prompt], steps),
                conditioner.GetLearnedConditioning([negative], steps)),
            ImageConditioning = zeros(1, 5, 1, 1),
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

        Check("x_callback", stack(xs), Sd2Golden.UnetTolerance);
        Check("denoised_callback", stack(denoised), Sd2Golden.UnetTolerance);
        Check("samples", samples, Sd2Golden.UnetTolerance);
        using (no_grad())
            Check("image", model.Vae.Decode(samples / model.LatentScale), Sd2Golden.UnetTolerance);
        output.WriteLine($"{caseName}: max abs errors " + string.Join(", ", errors));
    }
}
