namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>A model file of the wrong kind, an unsupported kind, or missing tensors. The message names the file.</summary>
public sealed class CheckpointException : Exception
{
    public CheckpointException(string source, string problem)
        : base($"{source}: {problem}")
    {
        FilePath = source;
        Problem = problem;
    }

    /// <summary>The file (or manifest) the problem is in.</summary>
    public string FilePath { get; }

    public string Problem { get; }
}
