using System.Globalization;
using System.Runtime.CompilerServices;
using Spectre.Console;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>
/// The plain result lines of the benchmarks. Scripts parse them, so numbers are always written in the invariant
/// culture (a decimal point, whatever the machine's locale).
/// </summary>
public static class BenchOutput
{
    /// <summary>Writes one line from an interpolated string (<c>$"..."</c>, or <c>$"..." + $"..."</c>), formatted in the invariant culture.</summary>
    public static void Line(ref InvariantLine line) => AnsiConsole.WriteLine(line.ToStringAndClear());

    /// <summary>Writes one line of text that is already formatted; no markup.</summary>
    public static void Line(string text) => AnsiConsole.WriteLine(text);

    /// <summary>"torch threads N, device D, dtype T": how the networks of a benchmark run.</summary>
    public static string TorchSetup(ModuleDevice on) =>
        string.Create(CultureInfo.InvariantCulture, $"torch threads {get_num_threads()}, device {on.Device}, dtype {on.DType}");

    /// <summary>Builds an interpolated line with the invariant culture.</summary>
    [InterpolatedStringHandler]
    public ref struct InvariantLine
    {
        private DefaultInterpolatedStringHandler _text;

        public InvariantLine(int literalLength, int formattedCount) =>
            _text = new DefaultInterpolatedStringHandler(literalLength, formattedCount, CultureInfo.InvariantCulture);

        public void AppendLiteral(string value) => _text.AppendLiteral(value);

        public void AppendFormatted<T>(T value) => _text.AppendFormatted(value);

        public void AppendFormatted<T>(T value, string? format) => _text.AppendFormatted(value, format);

        public string ToStringAndClear() => _text.ToStringAndClear();
    }
}
