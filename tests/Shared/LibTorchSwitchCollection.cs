namespace VideoLoopback.Tests.Shared;

/// <summary>
/// Tests that flip libtorch's process-wide CPU backend switches (oneDNN off for FastDVDNet, NNPACK off) run in this
/// collection, alone: a flip in the middle of another test's convolution would change that test's rounding.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LibTorchSwitchCollection
{
    public const string Name = "libtorch process-wide switches";
}
