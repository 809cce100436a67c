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
        bench.AddCommand<BenchImagingCommand>("imaging")
            .WithDescription("Throughput of the PIL-exact image operations (filters, blends, resize, PNG I/O).");
        bench.AddCommand<BenchSchedulesCommand>("schedules")
            .WithDescription("Per-frame cost of evaluating the twelve schedules.");
    });
});
return app.Run(args);
