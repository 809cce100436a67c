namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>A whitelisted global that a pickle may call: our own C# stand-in for the Python function of that name.</summary>
internal sealed record PickleCallable(string Name, Func<object?[], object?> Invoke);
