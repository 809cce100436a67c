namespace VideoLoopback.Diffusion.Text;

/// <summary>A prompt that cannot be read; the message quotes the prompt and the offending part.</summary>
public sealed class PromptSyntaxException(string message) : FormatException(message);
