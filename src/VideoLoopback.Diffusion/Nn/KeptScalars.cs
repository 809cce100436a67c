using TorchSharp;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>
/// Scalars that live as long as the process. TorchSharp 0.107's <c>add(Tensor)</c>/<c>add_(Tensor)</c> make a new Scalar for
/// alpha = 1 that nothing references while the native call runs, and Scalars are freed only by their finalizer: a GC on
/// another thread can free it mid-call (libtorch then reports "Unknown scalar type" or a failed toFloat check). The network
/// blocks' residual adds, the most frequent such calls, pass this one instead.
/// </summary>
internal static class KeptScalars
{
    public static readonly Scalar One = 1.ToScalar();
}
