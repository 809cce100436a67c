namespace VideoLoopback.Video.Imaging;

/// <summary>PIL resampling filters (<c>Image.Resampling</c>); LANCZOS is what WebUI's resize uses.</summary>
public enum ResampleFilter
{
    Nearest,
    Bilinear,
    Bicubic,
    Lanczos,
}
