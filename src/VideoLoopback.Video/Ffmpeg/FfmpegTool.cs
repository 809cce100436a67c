using System.Diagnostics;

namespace VideoLoopback.Video.Ffmpeg;

/// <summary>Starts ffmpeg / ffprobe with argument lists (no shell, so paths need no quoting).</summary>
public static class FfmpegTool
{
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
        using var process = Start(tool, arguments, redirectOutput: true);
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidDataException($"{tool} {string.Join(' ', arguments)} failed: {stderr.Result.Trim()}");
        return stdout;
    }
}
