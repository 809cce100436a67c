using VideoLoopback.Diffusion.Checkpoints;
using VideoLoopback.Diffusion.Sampling;

namespace VideoLoopback.Diffusion.Tests.Sd2;

/// <summary>
/// v_decision.json: WebUI's test run (is_using_v_parameterization_for_sd2) on both tiny models, the value it compares with
/// −1 and its answer; loading decides the same, and an explicit prediction overrides it.
/// </summary>
[Trait("Category", "Golden")]
[Trait("Area", "sd2")]
public class Sd2PredictionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Models() => new() { "tiny-sd2.safetensors", "tiny-sd2-v.safetensors" };

    [Theory]
    [MemberData(nameof(Models))]
    public void LoadingDecidesAsWebUi(string modelName)
    {
        using var json = Sd2Golden.Json("v_decision.json");
        var expected = json.RootElement.GetProperty(modelName);
        using var model = Sd2Golden.Load(modelName);
        double value = VPredictionProbe.Value(model.Unet);
        double error = Math.Abs(value - expected.GetProperty("value").GetDouble());
        output.WriteLine($"{modelName}: test value {value:F6}, max abs error {error:E2}");
        Assert.True(error <= 1e-3, $"{modelName}: test value {value}, expected {expected.GetProperty("value").GetDouble()}");
        var prediction = expected.GetProperty("is_v").GetBoolean() ? ModelPrediction.V : ModelPrediction.Epsilon;
        Assert.Equal(prediction, model.Prediction);
        Assert.Same(CheckpointFamilies.StableDiffusion2, model.Family);
    }

    [Theory]
    [InlineData("tiny-sd2.safetensors", ModelPrediction.V)]
    [InlineData("tiny-sd2-v.safetensors", ModelPrediction.Epsilon)]
    public void AGivenPredictionOverridesTheTest(string modelName, ModelPrediction given)
    {
        using var model = Sd2Golden.Load(modelName, o => o with { Prediction = given });
        Assert.Equal(given, model.Prediction);
    }

    [Theory]
    [InlineData("eps", ModelPrediction.Epsilon)]
    [InlineData("V", ModelPrediction.V)]
    public void PredictionNamesParse(string name, ModelPrediction expected)
    {
        Assert.Equal(expected, ModelPredictionNames.Parse(name));
        Assert.Equal(name.ToLowerInvariant(), expected.Name());
    }

    [Fact]
    public void UnknownPredictionNameIsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => ModelPredictionNames.Parse("x0"));
        Assert.Contains("'x0'", error.Message);
    }
}
