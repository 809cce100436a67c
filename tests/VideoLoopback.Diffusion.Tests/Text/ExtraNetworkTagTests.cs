using VideoLoopback.Diffusion.Text;

namespace VideoLoopback.Diffusion.Tests.Text;

/// <summary>Extra-network tags are removed from the prompt text and read as WebUI's Lora extension reads them.</summary>
public class ExtraNetworkTagTests
{
    [Fact]
    public void TagsAreStrippedAndCollectedInOrder()
    {
        var (prompt, tags) = ExtraNetworkTag.Extract("a cat <lora:catStyle:0.7>, <hypernet:anime:1> detailed <lora:light:0.5:0.2>");
        Assert.Equal("a cat ,  detailed ", prompt);
        Assert.Equal(["lora", "hypernet", "lora"], tags.Select(t => t.Network));

        var loras = LoraTag.From(tags);
        Assert.Equal([new LoraTag("catStyle", 0.7, 0.7, null), new LoraTag("light", 0.5, 0.2, null)], loras);
    }

    [Fact]
    public void NamedItemsOverridePositionalOnes()
    {
        var (_, tags) = ExtraNetworkTag.Extract("<lora:x:0.3:unet=0.9:dyn=16> <lyco:y> <lora:z:te=0.4>");
        Assert.Equal(
            [new LoraTag("x", 0.3, 0.9, 16), new LoraTag("y", 1.0, 1.0, null), new LoraTag("z", 0.4, 0.4, null)],
            LoraTag.From(tags));
    }

    [Fact]
    public void TextWithoutTagsIsUnchanged()
    {
        const string text = "a <cat> and (dog:1.2) [x:y:0.5]";
        var (prompt, tags) = ExtraNetworkTag.Extract(text);
        Assert.Equal(text, prompt);
        Assert.Empty(tags);
    }

    [Fact]
    public void BadMultiplierNamesTheTag()
    {
        var (_, tags) = ExtraNetworkTag.Extract("<lora:x:strong>");
        var ex = Assert.Throws<PromptSyntaxException>(() => LoraTag.From(tags));
        Assert.Contains("<lora:x:strong>", ex.Message);
    }
}
