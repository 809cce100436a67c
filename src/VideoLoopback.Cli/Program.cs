using Spectre.Console.Cli;
using VideoLoopback.Cli.Commands;

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("videoloopback");
    config.AddCommand<InspectCommand>("inspect")
        .WithDescription("Show what a model file is: family, dtypes, parameters per component, unexpected and missing keys.");
    config.AddCommand<RenderCommand>("render")
        .WithDescription("Render a video loopback job (options, --job FILE, or --resume RUN_FOLDER).");
    config.AddBranch("bench", bench =>
    {
        bench.AddCommand<BenchImagingCommand>("imaging")
            .WithDescription("Throughput of the PIL-exact image operations (filters, blends, resize, PNG I/O).");
        bench.AddCommand<BenchSchedulesCommand>("schedules")
            .WithDescription("Per-frame cost of evaluating the twelve schedules.");
        bench.AddCommand<BenchRenderCommand>("render")
            .WithDescription("Orchestration alone: 64 frames 256x256, loop_n 2, temporal window 3, batch blend 2, fake generator.");
    });
});
return app.Run(args);
