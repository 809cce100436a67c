using System.Diagnostics;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>Starts ffmpeg / ffprobe with argument lists (no shell, so paths need no quoting).</summary>
public static class FfmpegTool
{
    /// <summary>What a finished tool run printed, and how it exited.</summary>
    public sealed record Result(int ExitCode, string Output, string Errors)
    {
        /// <summary>The last non-empty line of the error output ("" when there is none): ffmpeg's most specific complaint.</summary>
        public string LastError => LastLine(Errors);
    }

    /// <summary>
    /// <paramref name="path"/> as an argument ffmpeg takes literally: the <c>file:</c> protocol with the absolute path, so a name
    /// starting with '-' is not read as an option and one containing ':' (<c>vl:out</c>) not as a protocol.
    /// </summary>
    public static string LiteralPath(string path) => "file:" + Path.GetFullPath(path);

    /// <summary>The last non-empty line of <paramref name="text"/>, trimmed ("" when there is none).</summary>
    public static string LastLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "";

    public static Process Start(string tool, IEnumerable<string> arguments, bool redirectInput = false, bool redirectOutput = false)
    {
        var info = new ProcessStartInfo(tool)
        {
            RedirectStandardInput = redirectInput,
            RedirectStandardOutput = redirectOutput,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in arguments) info.ArgumentList.Add(a);
        try
        {
            return Process.Start(info) ?? throw new InvalidOperationException($"{tool} did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException($"{tool} was not found on PATH; install ffmpeg (scripts/setup.sh does)", e);
        }
    }

    /// <summary>Runs a tool to completion and returns its standard output; a non-zero exit throws with its error output.</summary>
    public static string Run(string tool, params string[] arguments)
    {
        var result = Execute(tool, arguments);
        if (result.ExitCode != 0)
            throw new InvalidDataException($"{tool} {string.Join(' ', arguments)} failed: {result.Errors.Trim()}");
        return result.Output;
    }

    /// <summary>Runs a tool to completion and returns its exit status and both outputs, whatever the status.</summary>
    public static Result Execute(string tool, params string[] arguments)
    {
        using var process = Start(tool, arguments, redirectOutput: true);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return new Result(process.ExitCode, stdout, stderr.Result);
    }
}
