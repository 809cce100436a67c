namespace VideoLoopback.Diffusion.Sampling;

/// <summary>
/// torch.linspace for float32 on the CPU: the step is computed in float32 and the second half of
/// the values is counted back from the end, so both end points are exact. Schedules built on it
/// reproduce the upstream float32 values bit for bit rather than within a rounding error.
/// </summary>
internal static class Float32Linspace
{
    public static float[] Create(float start, float end, int count)
    {
        if (count < 0) throw new ArgumentOutOfRangeException(nameof(count), count, "must not be negative");
        var values = new float[count];
        if (count == 0) return values;
        if (count == 1) { values[0] = start; return values; }
        float step = (end - start) / (count - 1);
        int halfway = count / 2;
        for (int i = 0; i < count; i++)
            values[i] = i < halfway ? start + step * i : end - step * (count - i - 1);
        return values;
    }
}
