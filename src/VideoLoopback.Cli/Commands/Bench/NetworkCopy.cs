using static TorchSharp.torch;

namespace VideoLoopback.Cli.Commands.Bench;

/// <summary>Copies the parameters of one network into another of the same architecture, converting their dtype.</summary>
public static class NetworkCopy
{
    /// <summary>Every parameter of <paramref name="from"/> into the same-named one of <paramref name="to"/>, rounded to its dtype.</summary>
    public static void Parameters(nn.Module from, nn.Module to)
    {
        using var noGrad = no_grad();
        var target = to.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, source) in from.named_parameters())
        {
            if (!target.TryGetValue(name, out var destination))
                throw new ArgumentException($"no parameter '{name}' in the target network");
            destination.copy_(source);
        }
    }
}
