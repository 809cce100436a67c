using System.Globalization;
using VideoLoopback.Diffusion.Lora;
using VideoLoopback.Diffusion.Pipelines;
using VideoLoopback.Diffusion.Sampling.Noise;
using VideoLoopback.Diffusion.Text;
using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Generation;

/// <summary>
/// WebUI's img2img as this library reproduces it bit for bit, for every caller (the img2img command, the loopback
/// generator): the pipeline wired to the PIL-exact image operations, the mask an uploaded image makes
/// (create_binary_mask), the model name and the <c>parameters</c> text (create_infotext) a saved image carries.
/// </summary>
public static class WebUiImg2Img
{
    /// <summary>
    /// An <see cref="Img2ImgPipeline"/> with WebUI's PIL image operations: latent mask resize, resize modes, masked fill
    /// and overlay composite (<see cref="PilImg2ImgOperations"/>). <paramref name="onSamplerStep"/> sees every sampler step (previews).
    /// </summary>
    public static Img2ImgPipeline Pipeline(StableDiffusionModel model, LoraLibrary? loras = null,
        Action<Diffusion.Sampling.SamplerStep>? onSamplerStep = null) => new(model)
    {
        Loras = loras,
        Callback = onSamplerStep,
        MaskResize = PilImg2ImgOperations.MaskResize,
        ImageResize = PilImg2ImgOperations.Resize,
        MaskedFill = PilImg2ImgOperations.MaskedFill,
        Overlay = PilImg2ImgOperations.Overlay,
    };

    /// <summary>WebUI's model_name: the checkpoint file name without its extension.</summary>
    public static string ModelName(StableDiffusionModel model) => Path.GetFileNameWithoutExtension(model.CheckpointPath);

    /// <summary>
    /// WebUI's create_binary_mask on an image read from a file [C,H,W]: an RGBA image with some transparency gives its alpha
    /// thresholded at 128, anything else its grey levels (no threshold); uint8 'L' [H,W].
    /// </summary>
    public static Tensor BinaryMask(Tensor image, ImageMode mode) =>
        mode == ImageMode.RGBA && image[3].lt(255).any().item<bool>()
            ? image[3].gt(128).to(ScalarType.Byte) * 255
            : ImageConvert.To(image, ImageMode.L)[0];

    /// <summary>
    /// WebUI's <c>parameters</c> text (create_infotext) for image <paramref name="image"/> of a generated frame: the prompt,
    /// the negative prompt line, then the settings line. The inpaint area is named only when the mask did make a crop (a
    /// blank mask falls back to img2img, as in WebUI).
    /// </summary>
    public static string Infotext(Img2ImgFrame frame, string modelName, int image)
    {
        var p = frame.Params;
        var (sampler, scheduler) = p.ResolveSampler();
        var (seeds, subseeds) = BatchSeeds.For(p.Seed, p.Subseed, p.SubseedStrength, p.BatchSize);
        bool inpaint = frame.Mask is not null;
        bool onlyMaskedCrop = frame.Mask is { } mask && p.Inpaint.Area == InpaintArea.OnlyMasked && CropRegion.FromMask(
            InpaintMasks.Prepare(mask.dim() == 3 ? mask[0] : mask, p.Inpaint.MaskMode, p.Inpaint.MaskBlurX, p.Inpaint.MaskBlurY), 0) is not null;
        var fields = new List<(string, string?)>
        {
            ("Steps", Integer(p.Steps)),
            ("Sampler", sampler.Name),
            ("Schedule type", scheduler.IsAutomatic ? null : scheduler.Label),
            ("CFG scale", PythonFloat.Repr(p.CfgScale)),
            ("Seed", Integer(seeds[image])),
            ("Size", $"{p.Width ?? frame.Init.shape[2]}x{p.Height ?? frame.Init.shape[1]}"),
            ("Model", modelName),
            ("Variation seed", p.SubseedStrength == 0 ? null : Integer(subseeds[image])),
            ("Variation seed strength", p.SubseedStrength == 0 ? null : PythonFloat.Repr(p.SubseedStrength)),
            ("Seed resize from", p.SeedResizeFromWidth == 0 ? null : $"{p.SeedResizeFromWidth}x{p.SeedResizeFromHeight}"),
            ("Denoising strength", PythonFloat.Repr(p.Denoising)),
            ("Clip skip", p.ClipSkip <= 1 ? null : Integer(p.ClipSkip)),
            ("ENSD", p.EtaNoiseSeedDelta == 0 ? null : Integer(p.EtaNoiseSeedDelta)),
            ("RNG", p.RandnSource == RandnSource.Gpu ? null : p.RandnSource.ToWebUiName()),
            ("Mask mode", inpaint && p.Inpaint.MaskMode == InpaintMaskMode.InpaintNotMasked ? "Inpaint not masked" : null),
            ("Mask blur", inpaint ? Integer(p.Inpaint.MaskBlurX) : null),
            ("Inpaint area", onlyMaskedCrop ? "Only masked" : null),
            ("Masked area padding", onlyMaskedCrop ? Integer(p.Inpaint.OnlyMaskedPadding) : null),
            ("Masked content", !inpaint ? null : p.Inpaint.MaskedContent switch
            {
                MaskedContent.Fill => "fill",
                MaskedContent.LatentNoise => "latent noise",
                MaskedContent.LatentNothing => "latent nothing",
                _ => null,
            }),
        };
        // The sampler adds these last (extra_generation_params), only for values its function takes.
        fields.AddRange(p.SamplerOptions.InfotextFields(sampler, PythonFloat.Repr));
        var line = string.Join(", ", fields.Where(f => f.Item2 is not null).Select(f => $"{f.Item1}: {f.Item2}"));
        var negative = p.NegativePrompt.Length > 0 ? $"\nNegative prompt: {p.NegativePrompt}" : "";
        return $"{p.Prompt}{negative}\n{line}";
    }

    private static string Integer<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
