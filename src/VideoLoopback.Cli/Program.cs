using Spectre.Console.Cli;
using VideoLoopback.Cli.Commands;
using VideoLoopback.Cli.Commands.Bench;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("videoloopback");
    config.AddCommand<InspectCommand>("inspect")
        .WithDescription("Show what a model file is: family, dtypes, parameters per component, unexpected and missing keys.");
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Measure speed and memory.");
        bench.AddCommand<BenchUnetCommand>("unet")
            .WithDescription("Full-size SD1.5 UNet (random weights) vs the fp32 matmul rate; VAE decoder; peak memory.");
    });
});
return app.Run(args);
