namespace VideoLoopback.Diffusion.Text;

/// <summary>WebUI's "Emphasis mode" setting: how attention weights act on the text encoder's output.</summary>
public enum EmphasisMode
{
    /// <summary>Multiply each token's vector by its weight, then rescale so the mean is unchanged (WebUI default).</summary>
    Original,
    /// <summary>Multiply by the weights without restoring the mean.</summary>
    NoNorm,
    /// <summary>Parse the attention syntax (brackets are removed) but apply no weights.</summary>
    Ignore,
    /// <summary>No attention syntax at all: brackets are ordinary text.</summary>
    None,
}
