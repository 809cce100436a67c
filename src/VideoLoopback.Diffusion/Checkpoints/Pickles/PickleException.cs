namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>A problem inside a pickle or a PyTorch file's structure; the reader adds the file name.</summary>
internal sealed class PickleException(string problem) : Exception(problem);
