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
        bench.SetDescription("Speed and memory figures.");
        bench.AddCommand<BenchFastDvdNetCommand>("fastdvdnet")
            .WithDescription("FastDVDNet post-process: time per frame and peak working memory for several frame counts.");
    });
});
return app.Run(args);
