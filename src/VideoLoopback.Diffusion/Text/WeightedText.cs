namespace VideoLoopback.Diffusion.Text;

/// <summary>
/// A run of prompt text and its attention multiplier. A BREAK marker is the text "BREAK" with weight
/// exactly -1 (inside brackets its weight is scaled like any other run, and it is then plain text).
/// </summary>
public readonly record struct WeightedText(string Text, double Weight)
{
    public bool IsBreak => Text == "BREAK" && Weight == -1;
}
