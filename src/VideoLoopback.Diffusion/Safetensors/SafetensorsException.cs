namespace VideoLoopback.Diffusion.Safetensors;

/// <summary>A model file that is not a valid safetensors file, or cannot be read. The message names the file.</summary>
public sealed class SafetensorsException : Exception
{
    public SafetensorsException(string path, string problem, Exception? inner = null)
        : base($"{path}: {problem}", inner)
    {
        FilePath = path;
        Problem = problem;
    }

    public string FilePath { get; }
    public string Problem { get; }
}
