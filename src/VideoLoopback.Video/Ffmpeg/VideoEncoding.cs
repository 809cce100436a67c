using System.Globalization;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>
/// How the videos are encoded: the job's video_codec, video_crf / video_qp, video_pix_fmt and video_lossless. The defaults
/// are the original's encoding, lossless H.264 (<c>-c:v libx264 -qp 0 -pix_fmt yuv420p</c>) in .mp4. Lossless writes FFV1 in
/// .mkv from the frames' own RGB or RGBA (bgr0 / bgra): no chroma subsampling, alpha kept, and FFV1 is built into every ffmpeg
/// (VP9's lossless mode only keeps the YUV values after a 4:2:0 conversion; PNG-in-MOV is lossless too but several times larger).
/// The container follows from the codec.
/// </summary>
public sealed record VideoEncoding
{
    public const string DefaultCodec = "libx264";
    public const string LosslessCodec = "ffv1";

    public string Codec { get; init; } = DefaultCodec;

    /// <summary>Constant quality (<c>-crf</c>); null: not given.</summary>
    public int? Crf { get; init; }

    /// <summary>Constant quantizer (<c>-qp</c>); null: not given (libx264 then gets 0, lossless, as the original).</summary>
    public int? Qp { get; init; }

    /// <summary>Output pixel format; null: yuv420p for libx264, bgr0/bgra when lossless, else ffmpeg's choice.</summary>
    public string? PixelFormat { get; init; }

    public bool Lossless { get; init; }

    public static VideoEncoding Default { get; } = new();

    private string EffectiveCodec => Lossless ? LosslessCodec : Codec;

    /// <summary>The pixel format written for frames of <paramref name="channels"/> channels (null: ffmpeg picks one).</summary>
    public string? PixelFormatFor(int channels) =>
        PixelFormat ?? (Lossless ? (channels == 4 ? "bgra" : "bgr0") : Codec == DefaultCodec ? "yuv420p" : null);

    /// <summary>The output options for the video stream.</summary>
    public IReadOnlyList<string> Arguments(int channels)
    {
        var args = new List<string> { "-c:v", EffectiveCodec };
        string Number(int n) => n.ToString(CultureInfo.InvariantCulture);
        if (Crf is { } crf)
        {
            args.AddRange(["-crf", Number(crf)]);
            // libvpx needs a zero bitrate to run in constant-quality mode.
            if (EffectiveCodec.StartsWith("libvpx", StringComparison.Ordinal)) args.AddRange(["-b:v", "0"]);
        }
        else if (Qp is { } qp) args.AddRange(["-qp", Number(qp)]);
        else if (!Lossless && Codec == DefaultCodec) args.AddRange(["-qp", "0"]);
        if (PixelFormatFor(channels) is { } format) args.AddRange(["-pix_fmt", format]);
        return args;
    }

    /// <summary>The file extension of the container the codec goes in (".mp4" for the default).</summary>
    public string Extension => EffectiveCodec switch
    {
        var c when c.StartsWith("libvpx", StringComparison.Ordinal) => ".webm",
        "png" or "qtrle" or "prores" or "prores_ks" or "prores_aw" => ".mov",
        var c when c.StartsWith("libx26", StringComparison.Ordinal) || c.StartsWith("h264", StringComparison.Ordinal)
            || c.StartsWith("hevc", StringComparison.Ordinal) || c is "mpeg4" or "libaom-av1" or "libsvtav1" => ".mp4",
        _ => ".mkv", // Matroska holds any codec
    };

    /// <summary>The audio codec the container takes: Opus in WebM, AAC elsewhere.</summary>
    public string AudioCodec => Extension == ".webm" ? "libopus" : "aac";

    /// <summary>Chroma-subsampled formats (4:2:0, 4:2:2, NV12, ...) need an even width and height.</summary>
    public bool NeedsEvenSize(int channels) => PixelFormatFor(channels) is { } f &&
        (f.Contains("420", StringComparison.Ordinal) || f.Contains("422", StringComparison.Ordinal) || f.Contains("411", StringComparison.Ordinal)
         || f.Contains("410", StringComparison.Ordinal) || f.StartsWith("nv", StringComparison.Ordinal));

    /// <summary>What the even-size warning calls this encoding, e.g. "H.264 yuv420p".</summary>
    public string Describe(int channels) => $"{(EffectiveCodec == DefaultCodec ? "H.264" : EffectiveCodec)} {PixelFormatFor(channels)}".TrimEnd();

    /// <summary>
    /// Throws <see cref="ArgumentException"/> naming the job key when the settings contradict each other or the installed
    /// ffmpeg lacks the encoder, its crf/qp option or the pixel format. The default encoding asks ffmpeg nothing.
    /// </summary>
    public void Validate()
    {
        if (Crf is not null && Qp is not null)
            throw new ArgumentException($"video_crf ({Crf}) and video_qp ({Qp}) are both set; give one (CRF: constant quality, QP: constant quantizer)");
        if (Lossless && (Codec != DefaultCodec || Crf is not null || Qp is not null))
            throw new ArgumentException($"video_lossless writes {LosslessCodec} in .mkv; leave video_codec, video_crf and video_qp unset with it");
        if (Codec.Length == 0 || Codec.Any(char.IsWhiteSpace))
            throw new ArgumentException($"video_codec '{Codec}' is not an encoder name (e.g. libx264, libx265, libvpx-vp9, ffv1)");
        if (PixelFormat is { } p && (p.Length == 0 || p.Any(char.IsWhiteSpace)))
            throw new ArgumentException($"video_pix_fmt '{p}' is not a pixel format name (e.g. yuv420p, yuv444p, rgb24)");
        if (this == Default) return;
        var codec = EffectiveCodec;
        if (!FfmpegEncoders.VideoEncoders.Contains(codec))
            throw new ArgumentException(
                $"video_codec '{codec}' is not a video encoder of the installed ffmpeg (see ffmpeg -encoders; e.g. libx264, libx265, libvpx-vp9, ffv1)");
        if (Crf is not null && !FfmpegEncoders.HasOption(codec, "crf"))
            throw new ArgumentException($"video_crf: encoder '{codec}' has no -crf option (see ffmpeg -h encoder={codec})");
        if (Qp is not null && !FfmpegEncoders.HasOption(codec, "qp"))
            throw new ArgumentException($"video_qp: encoder '{codec}' has no -qp option (see ffmpeg -h encoder={codec})");
        if (PixelFormat is { } format && FfmpegEncoders.PixelFormats(codec) is { } supported && !supported.Contains(format))
            throw new ArgumentException($"video_pix_fmt '{format}' is not supported by encoder '{codec}' (it takes {string.Join(", ", supported)})");
    }
}
