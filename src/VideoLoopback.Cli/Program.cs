using Spectre.Console.Cli;
using VideoLoopback.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("videoloopback");
    config.AddCommand<InspectCommand>("inspect")
        .WithDescription("Show what a model file is: family, dtypes, parameters per component, unexpected and missing keys.");
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Print speed and memory figures.");
        bench.AddCommand<BenchSamplingCommand>("sampling")
            .WithDescription("Samplers over a synthetic denoiser and the noise sources, with live-tensor counts.");
    });
});
return app.Run(args);
