using System.Diagnostics;
using System.Text;

namespace VideoLoopback.Cli.Tests.Render;

/// <summary>Runs the built CLI (<c>dotnet videoloopback.dll ...</c>) and tools such as ffmpeg/ffprobe as child processes.</summary>
public static class CliProcess
{
    public static string CliDll => Path.Combine(AppContext.BaseDirectory, "videoloopback.dll");

    public static Process StartCli(params string[] args) => StartCli(new Dictionary<string, string>(), args);

    /// <summary>Starts the CLI with <paramref name="environment"/> added to the test's own environment.</summary>
    public static Process StartCli(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        // Through env --default-signal: a test run started in the background inherits SIGINT ignored, which the .NET runtime
        // then keeps ignoring; the CLI must see Ctrl-C as a user's terminal delivers it.
        var info = new ProcessStartInfo("env")
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        info.ArgumentList.Add("--default-signal=INT");
        info.ArgumentList.Add("dotnet");
        info.ArgumentList.Add(CliDll);
        foreach (var a in args) info.ArgumentList.Add(a);
        info.Environment["NO_COLOR"] = "1";
        foreach (var (name, value) in environment) info.Environment[name] = value;
        return Process.Start(info)!;
    }

    public static (int ExitCode, string Output) RunCli(params string[] args)
    {
        using var p = StartCli(args);
        return Wait(p);
    }

    public static (int ExitCode, string Output) Wait(Process p)
    {
        var output = new StringBuilder();
        var stderr = p.StandardError.ReadToEndAsync();
        output.Append(p.StandardOutput.ReadToEnd());
        p.WaitForExit();
        output.Append(stderr.Result);
        return (p.ExitCode, output.ToString());
    }

    public static string Tool(string tool, params string[] args)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{tool} {string.Join(' ', args)} failed: {err.Result}");
        return output.Trim();
    }

    /// <summary>A test video: ffmpeg's testsrc pattern plus a sine audio track.</summary>
    public static string MakeVideo(string folder, int width, int height, int fps, int frames, double audioSeconds)
    {
        var path = Path.Combine(folder, "input.mkv");
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        // Each input limited by its own -t: an output-side -frames:v would also cut the audio short.
        Tool("ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-t", ((double)frames / fps).ToString(inv), "-i", $"testsrc=size={width}x{height}:rate={fps}",
            "-f", "lavfi", "-t", audioSeconds.ToString(inv), "-i", "sine=frequency=440:sample_rate=44100",
            "-c:v", "ffv1", "-c:a", "pcm_s16le", path);
        return path;
    }
}
