namespace VideoLoopback.Diffusion.ControlNet.Preprocessors;

/// <summary>
/// One of a preprocessor's settings as the extension's UI slider defines it. A value outside [Minimum, Maximum] (the API's -1 for
/// "unset" included) is replaced by <see cref="Default"/>, as the extension's unit validation does; shown sliders additionally
/// reject explicit out-of-range values up front (<see cref="Resolve"/>).
/// </summary>
public sealed record PreprocessorSlider(string Label, double Minimum, double Maximum, double Default, bool Shown = true)
{
    /// <summary>A setting the preprocessor does not use: the extension's hidden slider, range [0, 1], default 0.5.</summary>
    public static readonly PreprocessorSlider Unused = new("unused", 0, 1, 0.5, Shown: false);

    /// <summary>The processor resolution slider most preprocessors show.</summary>
    public static readonly PreprocessorSlider Resolution = new("Resolution", 64, 2048, 512);

    public bool Accepts(double value) => value >= Minimum && value <= Maximum;

    /// <summary>The value the preprocessor gets: unset or out of range gives the default.</summary>
    public double Resolve(double? value) => value is { } v && Accepts(v) ? v : Default;
}
