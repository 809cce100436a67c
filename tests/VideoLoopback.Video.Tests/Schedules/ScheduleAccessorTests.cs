using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Schedules;

namespace VideoLoopback.Video.Tests.Schedules;

/// <summary>The typed accessors turn the Python value into what the original assigns to each parameter.</summary>
public class ScheduleAccessorTests
{
    [Fact]
    public void NumbersConvertToDouble()
    {
        Assert.Equal(7.0, Schedule.Parse("cfg_schedule", "7 if image_i in {1,5,7} else 8").AsDouble(1, 1));
        Assert.Equal(8.0, Schedule.Parse("cfg_schedule", "7 if image_i in {1,5,7} else 8").AsDouble(2, 1));
        Assert.Equal(1.0, Schedule.Parse("cfg_schedule", "True").AsDouble(1, 1));
        var error = Assert.Throws<ScheduleEvaluationException>(() => Schedule.Parse("cfg_schedule", "'7'").AsDouble(1, 1));
        Assert.Equal("cfg_schedule (image_i=1, loop_i=1): expected a number, got str '7'", error.Message);
    }

    [Fact]
    public void IntegersAcceptIntegralValuesOnly()
    {
        Assert.Equal(222, Schedule.Parse("seed_schedule", "[111,222,333][image_i//5%3]").AsInt(5, 1));
        Assert.Equal(20, Schedule.Parse("step_schedule", "20.0").AsInt(1, 1));
        Assert.Equal(4294967295L, Schedule.Parse("seed_schedule", "2**32 - 1").AsInt(1, 1));
        var error = Assert.Throws<ScheduleEvaluationException>(() => Schedule.Parse("step_schedule", "image_i / 2").AsInt(3, 1));
        Assert.Equal("step_schedule (image_i=3, loop_i=1): expected an integer, got float 1.5", error.Message);
        Assert.Throws<ScheduleEvaluationException>(() => Schedule.Parse("seed_schedule", "2**64").AsInt(1, 1));
    }

    [Fact]
    public void StringsAndAlphaLists()
    {
        Assert.Equal(" low quality, (blurry:1.0666666666666667)",
            Schedule.Parse("negative_prompt_schedule", "f' low quality, (blurry:{1.0+loop_i/30})'").AsString(1, 2));
        Assert.Throws<ScheduleEvaluationException>(() => Schedule.Parse("prompt_schedule", "image_i").AsString(1, 1));
        Assert.Equal([0.0, 1.0, 0.0], Schedule.Parse("temporal_superimpose_schedule", "[0.1, 0.8, 0.1] if loop_i<=3 else [0, 1, 0.0]").AsDoubleList(1, 4));
        Assert.Equal([0.2, 0.6, 0.2], Schedule.Parse("temporal_superimpose_schedule", "(0.2, 0.6, 0.2)").AsDoubleList(1, 1));
        Assert.Throws<ScheduleEvaluationException>(() => Schedule.Parse("temporal_superimpose_schedule", "[0.1, 'x', 0.1]").AsDoubleList(1, 1));
    }

    [Fact]
    public void BatchCountIsAnIntOrACountSizeTuple()
    {
        var schedule = Schedule.Parse("batch_count_schedule", "(2, 2) if loop_i==2 else (1, 3)");
        Assert.Equal(new BatchCount(2, 2), schedule.AsBatchCount(1, 2));
        Assert.Equal(new BatchCount(1, 3), schedule.AsBatchCount(1, 1));
        Assert.Equal(new BatchCount(2, null), Schedule.Parse("batch_count_schedule", "2 if image_i%2 else 1").AsBatchCount(1, 1));
        Assert.Equal(new BatchCount(1, null), Schedule.Parse("batch_count_schedule", "2 if image_i%2 else 1").AsBatchCount(2, 1));
        Assert.Equal(new BatchCount(3, 4), Schedule.Parse("batch_count_schedule", "3, 4").AsBatchCount(1, 1));
        var error = Assert.Throws<ScheduleEvaluationException>(() => Schedule.Parse("batch_count_schedule", "(1, 2, 3)").AsBatchCount(1, 1));
        Assert.Contains("expected an int or a (batch_count, batch_size) tuple of 2 ints, got tuple (1, 2, 3)", error.Message);
        Assert.Throws<ScheduleEvaluationException>(() => Schedule.Parse("batch_count_schedule", "[2, 2]").AsBatchCount(1, 1));
    }

    [Fact]
    public void PostProcessingLambdaBecomesAFilterChain()
    {
        // The extension's own placeholder.
        var schedule = Schedule.Parse("image_post_processing_schedule",
            "lambda img: img.filter(ImageFilter.EDGE_ENHANCE).filter(ImageFilter.SMOOTH) if loop_i in {6,8} else img ");
        var chain = schedule.AsFilterChain(1, 6);
        Assert.NotNull(chain);
        Assert.Equal([new FilterStep("EDGE_ENHANCE", []), new FilterStep("SMOOTH", [])], chain.Steps);
        Assert.Same(FilterChain.Identity, schedule.AsFilterChain(1, 7));
        Assert.True(schedule.AsFilterChain(1, 7)!.IsIdentity);
    }

    [Fact]
    public void FilterConstructorsGetPillowDefaults()
    {
        var schedule = Schedule.Parse("image_post_processing_schedule",
            "lambda im: im.filter(ImageFilter.GaussianBlur(3)).filter(ImageFilter.GaussianBlur).filter(ImageFilter.UnsharpMask(percent=120))"
            + ".filter(ImageFilter.BoxBlur(1)).filter(ImageFilter.MedianFilter()).filter(ImageFilter.MaxFilter(5)).filter(ImageFilter.MinFilter)"
            + ".filter(ImageFilter.DETAIL())");
        var chain = schedule.AsFilterChain(1, 1)!;
        Assert.Equal(
            [
                new FilterStep("GaussianBlur", [3]), new FilterStep("GaussianBlur", [2]), new FilterStep("UnsharpMask", [2, 120, 3]),
                new FilterStep("BoxBlur", [1]), new FilterStep("MedianFilter", [3]), new FilterStep("MaxFilter", [5]),
                new FilterStep("MinFilter", [3]), new FilterStep("DETAIL", []),
            ],
            chain.Steps);
    }

    [Fact]
    public void SchedulesOfferEveryFilterTheImagingFactoryBuilds()
    {
        foreach (var signature in ImageFilters.Signatures.Values.Where(s => s.Parameters.All(p => p.Default is not null)))
        {
            var steps = Schedule.Parse("image_post_processing_schedule", $"lambda img: img.filter(ImageFilter.{signature.Name})").AsFilterChain(1, 1)!.Steps;
            Assert.Equal(signature.Name, Assert.Single(steps).Name);
        }
        var chain = Schedule.Parse("image_post_processing_schedule", "lambda img: img.filter(ImageFilter.RankFilter(5, rank=3))").AsFilterChain(1, 1)!;
        Assert.Equal([new FilterStep("RankFilter", [5, 3])], chain.Steps);
        Assert.NotNull(ImageFilters.Create(chain.Steps[0].Name, chain.Steps[0].Args));
        var error = Assert.Throws<ScheduleEvaluationException>(() =>
            Schedule.Parse("image_post_processing_schedule", "lambda img: img.filter(ImageFilter.RankFilter(4, 0))").AsFilterChain(1, 1));
        Assert.Contains("RankFilter() size must be a positive odd integer, got 4", error.Message);
    }

    [Theory]
    [InlineData("lambda img: img.filter(ImageFilter.BoxBlur)", "BoxBlur() missing required argument: 'radius'")]
    [InlineData("lambda img: img.filter(ImageFilter.MedianFilter(4))", "MedianFilter() size must be a positive odd integer, got 4")]
    [InlineData("lambda img: img.filter(ImageFilter.GaussianBlur(-1))", "must be a finite number >= 0")]
    [InlineData("lambda img: img.filter(ImageFilter.GaussianBlur(radius=2, size=3))", "unexpected keyword argument 'size'")]
    [InlineData("lambda img: img.filter(3)", "img.filter() expects an ImageFilter filter")]
    [InlineData("lambda img: 3", "expected the lambda to return an image, got int 3")]
    [InlineData("lambda a, b: a", "expected a lambda of one image")]
    [InlineData("'sharpen'", "expected a lambda of one image")]
    public void BadPostProcessingIsRefused(string expression, string expectedProblem)
    {
        var schedule = Schedule.Parse("image_post_processing_schedule", expression);
        var error = Assert.Throws<ScheduleEvaluationException>(() => schedule.AsFilterChain(1, 1));
        Assert.Contains(expectedProblem, error.Message);
        Assert.StartsWith("image_post_processing_schedule (image_i=1, loop_i=1): ", error.Message);
    }

    [Fact]
    public void FalsyPostProcessingMeansNone()
    {
        Assert.Null(Schedule.Parse("image_post_processing_schedule", "None").AsFilterChain(1, 1));
        Assert.Null(Schedule.Parse("image_post_processing_schedule", "(lambda img: img) if loop_i > 2 else None").AsFilterChain(1, 1));
        Assert.NotNull(Schedule.Parse("image_post_processing_schedule", "(lambda img: img) if loop_i > 2 else None").AsFilterChain(1, 3));
    }

    [Fact]
    public void EvaluationIsRepeatableAcrossFrames()
    {
        var schedule = Schedule.Parse("subseed_strength_schedule", "(sin(pi*image_i/90)+1)/2*0.07");
        var first = Enumerable.Range(1, 50).Select(i => schedule.AsDouble(i, 1)).ToArray();
        var second = Enumerable.Range(1, 50).Select(i => schedule.AsDouble(i, 2)).ToArray();
        Assert.Equal(first, second);
        Assert.Equal(0.036221482384587535, first[0]);
    }
}
