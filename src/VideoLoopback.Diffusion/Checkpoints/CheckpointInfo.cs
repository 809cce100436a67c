namespace VideoLoopback.Diffusion.Checkpoints;

/// <summary>
/// What <see cref="CheckpointInspector"/> found in a model file: its family, parts, dtypes, and how its keys
/// compare with the complete key set of that family (missing and unexpected keys; tolerated extras are ignored).
/// </summary>
public sealed record CheckpointInfo
{
    public required string Source { get; init; }
    public required CheckpointFamily Family { get; init; }
    /// <summary>One line saying what the file is, e.g. "SD1.x checkpoint (LDM single file)".</summary>
    public required string Description { get; init; }
    public ControlNetLayout ControlNetLayout { get; init; } = ControlNetLayout.None;
    public required IReadOnlyList<CheckpointComponent> Components { get; init; }
    public required IReadOnlyList<DTypeCount> DTypes { get; init; }
    /// <summary>Keys the family's complete key set has and the file lacks.</summary>
    public required IReadOnlyList<string> MissingKeys { get; init; }
    /// <summary>Keys that belong to no part of the family and are not known harmless extras.</summary>
    public required IReadOnlyList<string> UnexpectedKeys { get; init; }
    /// <summary>Known harmless extras (schedule buffers, EMA, position_ids, loss.*, BatchNorm counters).</summary>
    public required IReadOnlyList<string> IgnoredKeys { get; init; }
    /// <summary>Facts read from the shapes (input channels, context width, LoRA ranks, …) and caveats.</summary>
    public required IReadOnlyList<string> Notes { get; init; }
    /// <summary>Why a recognised file cannot be used yet; null when it can.</summary>
    public string? UnsupportedReason { get; init; }
    /// <summary>UNet input channels (4, 9 for inpainting) when the file has a UNet or ControlNet.</summary>
    public int? UNetInChannels { get; init; }
    /// <summary>Width of the cross-attention context (768 for SD1.x) when the file has a UNet or ControlNet.</summary>
    public int? ContextDim { get; init; }

    public bool IsSupported => Family != CheckpointFamily.Unknown && UnsupportedReason is null;

    public long TotalParameters => Components.Sum(c => c.Parameters);

    /// <summary>Throws <see cref="CheckpointException"/> unless the file is a recognised, supported and complete model.</summary>
    public void EnsureSupported()
    {
        if (Family == CheckpointFamily.Unknown)
            throw new CheckpointException(Source, Description);
        if (UnsupportedReason is not null)
            throw new CheckpointException(Source, $"{Description}: not supported yet ({UnsupportedReason})");
        if (MissingKeys.Count > 0)
            throw new CheckpointException(Source,
                $"{Description} with {MissingKeys.Count} missing tensor(s), e.g. {string.Join(", ", MissingKeys.Take(3))}");
    }

    /// <summary>As <see cref="EnsureSupported"/>, and the family must be one of <paramref name="accepted"/>.</summary>
    public void EnsureFamily(params CheckpointFamily[] accepted)
    {
        if (Family != CheckpointFamily.Unknown && !accepted.Contains(Family))
            throw new CheckpointException(Source,
                $"is a {Description}, expected {string.Join(" or ", accepted.Select(f => f.Description))}");
        EnsureSupported();
    }
}
