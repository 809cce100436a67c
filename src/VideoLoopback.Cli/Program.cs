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
        bench.AddCommand<BenchTextCommand>("text")
            .WithDescription("CLIP tokenizer, full-size CLIP-L text encoder (random weights) and prompt conditioner.");
    });
});
return app.Run(args);
