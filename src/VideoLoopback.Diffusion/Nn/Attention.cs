using static TorchSharp.torch;

namespace VideoLoopback.Diffusion.Nn;

/// <summary>Multi-head attention on token sequences through the fused scaled_dot_product_attention kernel.</summary>
public static class Attention
{
    /// <summary>
    /// q [B,Nq,H*D], k/v [B,Nk,H*D] -> [B,Nq,H*D]; softmax(q k^T / sqrt(D)) v per head.
    /// </summary>
    public static Tensor MultiHead(Tensor q, Tensor k, Tensor v, long heads)
    {
        long b = q.shape[0], nq = q.shape[1], inner = q.shape[2], nk = k.shape[1];
        long d = inner / heads;
        using var qh = q.view(b, nq, heads, d).transpose(1, 2);
        using var kh = k.view(b, nk, heads, d).transpose(1, 2);
        using var vh = v.view(b, nk, heads, d).transpose(1, 2);
        using var o = nn.functional.scaled_dot_product_attention(qh, kh, vh);
        return o.transpose(1, 2).reshape(b, nq, inner);
    }
}
