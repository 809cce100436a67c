using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using Spectre.Console.Cli;

namespace VideoLoopback.Cli;

/// <summary>
/// The one error path of every command: whatever a command (or Spectre's option parsing) throws becomes one line,
/// <c>error: MESSAGE</c>, on standard error, and exit code 1. The project's exceptions, and the .NET ones it throws for bad
/// input, already name the file, key, frame or option at fault, so their message is the line; libtorch's messages carry a
/// C++ backtrace after their first line, which is cut; anything unexpected is named by its type.
/// </summary>
public static partial class ErrorLine
{
    public const int ExitCode = 1;

    /// <summary>Makes <paramref name="config"/> report every exception on <paramref name="errors"/>; <paramref name="args"/> are the command line.</summary>
    public static void Install(IConfigurator config, TextWriter errors, IReadOnlyList<string> args) =>
        config.SetExceptionHandler((e, _) => Report(e, errors, args));

    /// <summary>Writes the line for <paramref name="error"/> and returns the exit code.</summary>
    public static int Report(Exception error, TextWriter errors, IReadOnlyList<string>? args = null)
    {
        errors.WriteLine("error: " + Message(error, args));
        errors.Flush();
        return ExitCode;
    }

    /// <summary>The message of the line (without <c>error: </c>): one line, no stack trace, no backtrace.</summary>
    public static string Message(Exception error, IReadOnlyList<string>? args = null)
    {
        var e = Unwrap(error);
        // What was being done: the command's words, e.g. "img2img" or "bench unet".
        var doing = args is null ? null : string.Join(" ", args.TakeWhile(a => !a.StartsWith('-')).Take(2));
        string text = e switch
        {
            _ when IsOutOfMemory(e) => OutOfMemory(e, doing),
            CommandAppException => Conversion(e.Message, args ?? []),
            _ when e.GetType().Namespace?.StartsWith("VideoLoopback", StringComparison.Ordinal) == true => e.Message,
            ArgumentException argument => ParameterSuffix().Replace(argument.Message, m => m.Groups[1].Success ? $" (got {m.Groups[1].Value})" : ""),
            FileNotFoundException { FileName: { } name } missing when !missing.Message.Contains(name, StringComparison.Ordinal)
                => $"{name}: {missing.Message}",
            IOException or UnauthorizedAccessException or InvalidDataException or NotSupportedException or FormatException
                or InvalidOperationException or OverflowException => e.Message,
            ExternalException => "libtorch: " + Native(e.Message),
            _ => $"{e.GetType().Name}: {e.Message}",
        };
        return OneLine(text);
    }

    /// <summary>The exception that says what happened, not the wrapper a task, reflection or a static constructor put around it.</summary>
    private static Exception Unwrap(Exception e)
    {
        while (true)
        {
            switch (e)
            {
                case AggregateException { InnerExceptions.Count: 1 } aggregate: e = aggregate.InnerExceptions[0]; break;
                case System.Reflection.TargetInvocationException { InnerException: { } inner }: e = inner; break;
                case TypeInitializationException { InnerException: { } inner }: e = inner; break;
                default: return e;
            }
        }
    }

    /// <summary>Spectre's "Failed to convert 'V' to Int32." names neither the option nor what it takes: the option is the one given V.</summary>
    private static string Conversion(string message, IReadOnlyList<string> args)
    {
        if (FailedConversion().Match(message) is not { Success: true } match) return message;
        var value = match.Groups[1].Value;
        int at = args.ToList().FindIndex(1, a => a == value);
        var option = at > 0 && args[at - 1].StartsWith('-') ? args[at - 1] : "an option";
        return $"{option} '{value}': not a value it takes (a number of the wrong kind or beyond its range)";
    }

    private static bool IsOutOfMemory(Exception e) => e is OutOfMemoryException
        || e is ExternalException && (e.Message.Contains("out of memory", StringComparison.OrdinalIgnoreCase)
                                     || e.Message.Contains("not enough memory", StringComparison.OrdinalIgnoreCase)
                                     || e.Message.Contains("can't allocate memory", StringComparison.OrdinalIgnoreCase));

    private static string OutOfMemory(Exception e, string? doing) =>
        $"out of memory{(string.IsNullOrEmpty(doing) ? "" : $" in {doing}")} ({Native(e.Message)}); " +
        "a smaller width/height, batch size or frame count needs less";

    /// <summary>A libtorch message without its C++ backtrace (from "Exception raised from") and its source-location prefix.</summary>
    private static string Native(string message)
    {
        int backtrace = message.IndexOf("Exception raised from", StringComparison.Ordinal);
        var text = backtrace >= 0 ? message[..backtrace] : message;
        return EnforcePrefix().Replace(text, "").Trim();
    }

    /// <summary>
    /// Lines joined into one, as scripts grep for it; a libtorch backtrace is cut also where a message quotes libtorch's, and
    /// lines of a .NET stack trace are dropped.
    /// </summary>
    private static string OneLine(string text) =>
        string.Join(" ", Native(text).Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("at ", StringComparison.Ordinal)));

    /// <summary>.NET's " (Parameter 'name')" and "Actual value was V." of an argument exception: the message names the option itself.</summary>
    [GeneratedRegex(@" \(Parameter '[^']*'\)(?:\r?\nActual value was (.*?)\.?)?$")]
    private static partial Regex ParameterSuffix();

    [GeneratedRegex(@"^Failed to convert '(.*)' to [^ ]*\.$")]
    private static partial Regex FailedConversion();

    [GeneratedRegex(@"^\s*\[enforce fail at [^\]]*\]\s*(data\.\s*)?")]
    private static partial Regex EnforcePrefix();
}
