namespace VideoLoopback.Diffusion.Text;

/// <summary>The activation between a text transformer's two MLP layers.</summary>
public enum ClipActivation
{
    /// <summary>x·sigmoid(1.702x): OpenAI CLIP (SD1.x's CLIP-L).</summary>
    QuickGelu,
    /// <summary>The exact (erf) GELU: OpenCLIP's own towers (SD2.x's ViT-H).</summary>
    Gelu,
}
