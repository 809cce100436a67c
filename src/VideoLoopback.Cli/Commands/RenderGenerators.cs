using VideoLoopback.Video.Generation;
using VideoLoopback.Video.Loopback;
using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands;

/// <summary>The generators <c>render --generator</c> can use, by name.</summary>
public static class RenderGenerators
{
    public static readonly string[] Names = ["fake", "sd"];

    /// <summary>Creates the named generator for <paramref name="job"/>; unknown or unavailable generators throw <see cref="JobException"/>.</summary>
    public static IFrameGenerator Create(string name, JobSpec job, Device device) => name switch
    {
        "fake" => new FakeGenerator(),
        "sd" => throw new JobException("--generator sd: the Stable Diffusion generator is not available in this build yet; use --generator fake to dry-run the job"),
        _ => throw new JobException($"--generator '{name}' is unknown, expected one of: {string.Join(", ", Names)}"),
    };
}
