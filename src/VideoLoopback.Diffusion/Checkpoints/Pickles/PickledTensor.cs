namespace VideoLoopback.Diffusion.Checkpoints.Pickles;

/// <summary>
/// A tensor as PyTorch pickles it: a view (<see cref="StorageOffset"/>, <see cref="Shape"/>, <see cref="Strides"/>, in elements)
/// of a <see cref="PickledStorage"/>. Views may be non-contiguous, start anywhere in the storage, or share it with others.
/// </summary>
internal sealed record PickledTensor(PickledStorage Storage, long StorageOffset, long[] Shape, long[] Strides)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => checked(a * b));

    /// <summary>True when the elements lie one after another in row-major order (no copy through strides needed).</summary>
    public bool IsContiguous
    {
        get
        {
            long expected = 1;
            for (int d = Shape.Length - 1; d >= 0; d--)
            {
                if (Shape[d] != 1 && Strides[d] != expected) return false;
                expected *= Shape[d];
            }
            return true;
        }
    }

    /// <summary>
    /// The storage elements the view touches, from its first to its last: (first, count); (offset, 0) for an empty tensor.
    /// Throws when the view reaches outside its storage or its numbers are out of range.
    /// </summary>
    public (long First, long Count) Span()
    {
        if (StorageOffset < 0 || Shape.Any(s => s < 0) || Strides.Any(s => s < 0))
            throw new PickleException($"negative offset, size or stride (offset {StorageOffset}, size [{string.Join(",", Shape)}], " +
                $"stride [{string.Join(",", Strides)}])");
        try
        {
            if (ElementCount == 0) return (StorageOffset, 0);
            long last = StorageOffset;
            for (int d = 0; d < Shape.Length; d++) last = checked(last + (Shape[d] - 1) * Strides[d]);
            if (last >= Storage.ElementCount)
                throw new PickleException($"view (offset {StorageOffset}, size [{string.Join(",", Shape)}], stride [{string.Join(",", Strides)}]) " +
                    $"reaches element {last} of storage '{Storage.Key}', which has {Storage.ElementCount}");
            return (StorageOffset, last - StorageOffset + 1);
        }
        catch (OverflowException)
        {
            throw new PickleException($"size [{string.Join(",", Shape)}] with stride [{string.Join(",", Strides)}] overflows");
        }
    }
}
