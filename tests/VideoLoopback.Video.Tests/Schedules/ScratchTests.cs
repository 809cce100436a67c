using VideoLoopback.Video.Schedules;
namespace VideoLoopback.Video.Tests.Schedules;
public class ScratchTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void Scratch()
    {
        foreach (var e in new[] { "[[0]*1000]*1000 in [[[0]*1000]*999 + [[1]*1000]]*1000", "len([[[0]*1000]*999 + [[1]*1000]]*1000)", "[[0]*1000]*1000 == [[0]*1000]*999 + [[1]*1000]" })
        {
            try { output.WriteLine(e + " -> " + Schedule.Parse("x", e).Evaluate(1, 1).Repr()); }
            catch (Exception ex) { output.WriteLine(e + " !! " + ex.Message); }
        }
    }
}
