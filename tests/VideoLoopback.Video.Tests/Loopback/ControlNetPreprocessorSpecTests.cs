using VideoLoopback.Tests.Shared;
using VideoLoopback.Video.Loopback;

namespace VideoLoopback.Video.Tests.Loopback;

/// <summary>A unit's module / processor_res / threshold_a / threshold_b: command line, job file, settings JSON and validation.</summary>
[Trait("Area", "adapters")]
public sealed class ControlNetPreprocessorSpecTests : IDisposable
{
    private readonly DirectoryInfo _temp = Directory.CreateTempSubdirectory("vl-unit-module-");

    private static string Model => Path.GetFullPath(GoldenData.Path("adapters", "controlnet", "tiny_controlnet_A.safetensors"));

    [Fact]
    public void CommandLineKeys()
    {
        var unit = ControlNetSpec.Parse("a.safetensors,weight=0.5,module=tile_colorfix+sharp,processor_res=768,threshold_a=9,threshold_b=1.5");
        Assert.Equal(new ControlNetSpec { Model = "a.safetensors", Weight = 0.5, Module = "tile_colorfix+sharp", ProcessorRes = 768, ThresholdA = 9, ThresholdB = 1.5 },
            unit);
        Assert.Contains("processor_res '1.5' is not a whole number",
            Assert.Throws<JobException>(() => ControlNetSpec.Parse("a.safetensors,processor_res=1.5")).Message);
        Assert.Contains("keys: weight, start, end, mode, resize, module, processor_res, threshold_a, threshold_b",
            Assert.Throws<JobException>(() => ControlNetSpec.Parse("a.safetensors,res=1")).Message);
    }

    [Fact]
    public void JobFileKeysAndSettingsJsonRoundTrip()
    {
        var path = Path.Combine(_temp.FullName, "job.json");
        File.WriteAllText(path, $$"""{ "controlnet_units": [ { "model": "{{Model}}", "module": "canny", "processor_res": 256, "threshold_a": 50, "threshold_b": 120.5 } ] }""");
        var unit = Assert.Single(JobFile.Read(path).ControlNets);
        Assert.Equal(new ControlNetSpec { Model = Model, Module = "canny", ProcessorRes = 256, ThresholdA = 50, ThresholdB = 120.5 }, unit);
        Assert.Equal(["model", "weight", "guidance_start", "guidance_end", "control_mode", "resize_mode", "module", "processor_res", "threshold_a", "threshold_b"],
            unit.ToJson().Select(kv => kv.Item1));
        File.WriteAllText(path, $$"""{ "controlnet_units": [ { "model": "{{Model}}", "processor_res": 256.5 } ] }""");
        Assert.Contains("'processor_res' is 256.5, expected a whole number", Assert.Throws<JobException>(() => JobFile.Read(path)).Message);
    }

    [Fact]
    public void UnitsWithoutPreprocessorKeysWriteWhatTheyWroteBefore()
    {
        var unit = new ControlNetSpec { Model = Model };
        Assert.Equal(["model", "weight", "guidance_start", "guidance_end", "control_mode", "resize_mode"], unit.ToJson().Select(kv => kv.Item1));
        Assert.Null(unit.Preprocessing());
    }

    [Fact]
    public void ModuleProblemsAreCaughtByValidation()
    {
        Assert.Equal($"ControlNet '{Model}': module 'cany' is unknown; known modules: none, canny, invert, threshold, scribble_xdog, tile_resample, " +
                     "tile_colorfix, tile_colorfix+sharp, shuffle, inpaint_only, lineart_standard",
            Assert.Throws<JobException>(() => new ControlNetSpec { Model = Model, Module = "cany" }.Validate()).Message);
        Assert.Contains("needs a network model", Assert.Throws<JobException>(() => new ControlNetSpec { Model = Model, Module = "openpose" }.Validate()).Message);
        Assert.Contains("threshold_a 0 is outside canny's range 1..255",
            Assert.Throws<JobException>(() => new ControlNetSpec { Model = Model, Module = "canny", ThresholdA = 0 }.Validate()).Message);
        new ControlNetSpec { Model = Model, Module = "canny", ProcessorRes = -1, ThresholdA = -1 }.Validate();
        Assert.Equal("none", new ControlNetSpec { Model = Model, ProcessorRes = 256 }.Preprocessing()!.Preprocessor.Name);
    }

    public void Dispose() => _temp.Delete(recursive: true);
}
