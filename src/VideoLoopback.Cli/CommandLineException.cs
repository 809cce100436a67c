namespace VideoLoopback.Cli;

/// <summary>A problem a command found with what it was given (an option, a file); its message is the whole error line.</summary>
public sealed class CommandLineException(string message) : Exception(message);
