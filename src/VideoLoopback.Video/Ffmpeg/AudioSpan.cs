using System.Globalization;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>
/// The stretch of a source video's audio that the rendered frames show, and the tempo that fits it to the written video.
/// Rendered frame k is source frame k·step and stands for the <c>step</c> source frames up to the next extracted one, so
/// N rendered frames cover the source's first N·step frames (<c>max_frames</c> cuts there, not at the video's end).
/// Shown at <c>outputFrameRate</c>, that span plays <c>step · outputFrameRate / sourceFrameRate</c> times faster: the audio
/// is sped up (or slowed down) by that factor, so every frame keeps its sound and both streams end together.
/// </summary>
public sealed record AudioSpan(string Source, double SourceSeconds, double Tempo)
{
    /// <summary>atempo's factors stay within [0.5, 2]: above 2 the filter drops samples instead of blending them.</summary>
    private const double MinFactor = 0.5, MaxFactor = 2;

    /// <summary>
    /// The audio of <paramref name="source"/> for <paramref name="frames"/> frames taken every <paramref name="step"/>-th
    /// source frame, shown at <paramref name="outputFrameRate"/>. An unknown source rate keeps the audio as it is.
    /// </summary>
    public static AudioSpan For(string source, double sourceFrameRate, int frames, int step, double outputFrameRate)
    {
        if (!(sourceFrameRate > 0)) return new AudioSpan(source, double.PositiveInfinity, 1);
        double seconds = (double)frames * step / sourceFrameRate;
        double tempo = step * outputFrameRate / sourceFrameRate;
        return new AudioSpan(source, seconds, Math.Abs(tempo - 1) < 1e-9 ? 1 : tempo);
    }

    /// <summary>ffmpeg input options reading only the span: <c>-t SECONDS -i SOURCE</c>.</summary>
    public IReadOnlyList<string> InputArguments => double.IsFinite(SourceSeconds)
        ? ["-t", SourceSeconds.ToString("R", CultureInfo.InvariantCulture), "-i", Source]
        : ["-i", Source];

    /// <summary>The audio filter that applies <see cref="Tempo"/>: chained <c>atempo</c> filters, null at tempo 1.</summary>
    public string? Filter => Tempo == 1 ? null : string.Join(",", AtempoFactors(Tempo).Select(f => "atempo=" + f.ToString("R", CultureInfo.InvariantCulture)));

    /// <summary>Factors within [0.5, 2] whose product is <paramref name="tempo"/> (e.g. 5 = 2·2·1.25, 0.2 = 0.5·0.5·0.8).</summary>
    public static IReadOnlyList<double> AtempoFactors(double tempo)
    {
        if (!(tempo > 0) || double.IsInfinity(tempo)) throw new ArgumentOutOfRangeException(nameof(tempo), tempo, "tempo must be a positive number");
        var factors = new List<double>();
        for (; tempo > MaxFactor; tempo /= MaxFactor) factors.Add(MaxFactor);
        for (; tempo < MinFactor; tempo /= MinFactor) factors.Add(MinFactor);
        factors.Add(tempo);
        return factors;
    }
}
