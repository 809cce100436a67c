using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Vae;

/// <summary>
/// WebUI's "Approx cheap" live preview for SD1.x latents: no VAE, every pixel's RGB is a fixed linear mix of its four latent
/// channels, so a preview costs one tiny matrix product at the latent's resolution (h×w, an eighth of the image's).
/// </summary>
public static class CheapLatentApproximation
{
    /// <summary>Row l: latent channel l's contribution to R, G and B (WebUI's coefficients for SD1.x).</summary>
    private static readonly float[,] Sd1Coefficients =
    {
        { 0.298f, 0.207f, 0.208f },
        { 0.187f, 0.286f, 0.173f },
        { -0.158f, 0.189f, 0.264f },
        { -0.184f, -0.271f, -0.473f },
    };

    /// <summary>The RGB approximation of one latent [4,h,w], float32 [3,h,w], roughly in [-1,1] like a VAE decode.</summary>
    public static Tensor ToRgb(Tensor latent)
    {
        if (latent.dim() != 3 || latent.shape[0] != 4)
            throw new ArgumentException($"expected one SD1.x latent [4,h,w], got [{string.Join(",", latent.shape)}]", nameof(latent));
        using var scope = NewDisposeScope();
        var coefficients = tensor(Sd1Coefficients, ScalarType.Float32, latent.device);
        return einsum("lxy,lr->rxy", latent.to(ScalarType.Float32), coefficients).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The preview image of one latent [4,h,w], uint8 [3,h,w] on the latent's device, mapped as WebUI maps a preview:
    /// x·0.5 + 0.5 clamped to [0,1], times 255, truncated.
    /// </summary>
    public static Tensor ToImage(Tensor latent)
    {
        using var scope = NewDisposeScope();
        var unit = (ToRgb(latent) * 0.5 + 0.5).clamp(0.0, 1.0);
        return (unit * 255.0).to(ScalarType.Byte).MoveToOuterDisposeScope();
    }
}
