using TorchSharp;
using TorchSharp.Modules;
using VideoLoopback.Diffusion.Nn;
using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Unet;

/// <summary>
/// The transformer feed-forward with a GEGLU gate: proj to 2x(4C), value * gelu(gate), back to C.
/// Names: net.0.proj, net.2.
/// </summary>
public sealed class GegluFeedForward : nn.Module
{
    private readonly Linear _proj, _out;

    public GegluFeedForward(long dim, ModuleDevice on) : base(nameof(GegluFeedForward))
    {
        long inner = dim * 4;
        _proj = Layers.Linear(dim, inner * 2, on);
        _out = Layers.Linear(inner, dim, on);
        register_module("net", new Slots(("0", new Slots(("proj", _proj))), ("2", _out)));
    }

    // x [B,N,C] -> [B,N,C]
    public Tensor Forward(Tensor x)
    {
        using var projected = TokenLinear.Apply(_proj, x);
        var halves = projected.chunk(2, -1);
        using var value = halves[0];
        using var gate = halves[1];
        using var gated = nn.functional.gelu(gate);
        gated.mul_(value);
        return TokenLinear.Apply(_out, gated);
    }
}
