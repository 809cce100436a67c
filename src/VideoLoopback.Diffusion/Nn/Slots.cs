using TorchSharp;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// A container that only gives its children their state-dict names (e.g. <c>in_layers.0</c>, <c>in_layers.2</c>:
/// the reference's Sequential leaves gaps where parameter-free SiLU/Dropout sit). The owner calls the children itself.
/// </summary>
public sealed class Slots : torch.nn.Module
{
    public Slots(params (string Name, torch.nn.Module Module)[] children) : base(nameof(Slots))
    {
        foreach (var (name, module) in children) register_module(name, module);
    }
}
