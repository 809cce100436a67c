using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>Clean-up behaviours of ftfy that the golden prompts do not pin, checked directly.</summary>
public class ClipTextCleanerTests
{
    [Theory]
    [InlineData("salt &amp; pepper", "salt & pepper")]
    [InlineData("a &amp; b\n<tag> &amp; c", "a & b\n<tag> &amp; c")] // ftfy stops at the first line with '<'
    [InlineData("caf\u00C3\u00A9 cr\u00C3\u00A8me", "café crème")]
    [InlineData("na\u00EFve \u00C5ngstr\u00F6m", "na\u00EFve \u00C5ngstr\u00F6m")] // real accents stay
    [InlineData("\uFB01ne \uFF21\uFF22\u3000c", "fine AB c")]
    [InlineData("\u201Cq\u201D \u2018s\u2019", "\"q\" 's'")]
    [InlineData("e\u0301", "\u00E9")] // NFC
    public void FixTextMatchesFtfy(string input, string expected) => Assert.Equal(expected, ClipTextCleaner.FixText(input));

    [Fact]
    public void SpecialTokenPiecesAreCleanedSeparately()
    {
        // The '<' of the special token is not part of the piece ftfy sees, so the entity is decoded.
        var ids = ClipTokenizer.Default.Encode("&amp; <|endoftext|>");
        Assert.Equal([ClipTokenizer.Default.TokenId("&</w>"), ClipTokenizer.EosId], ids);
    }
}
