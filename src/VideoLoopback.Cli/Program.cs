using Spectre.Console;
using Spectre.Console.Cli;
using VideoLoopback.Cli.Commands;
using VideoLoopback.Cli.Commands.Bench;

// Redirected output (logs, pipes) gets no 80-column wrapping, so an error stays on one line.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 10_000;

// No NNPACK (see LibTorchSwitches): no per-call warnings on CPUs it does not support.
VideoLoopback.Diffusion.Nn.LibTorchSwitches.TryDisableNnpack();

var app = new CommandApp();
app.Configure(config =>
{
    config.SetApplicationName("videoloopback");
    config.SetHelpProvider(new RenderHelpProvider(config.Settings));
    config.AddCommand<InspectCommand>("inspect")
        .WithDescription("Show what a model file is: family, dtypes, parameters per component, unexpected and missing keys.");
    config.AddCommand<Img2ImgCommand>("img2img")
        .WithDescription("WebUI img2img / inpainting on one image; PNGs carry WebUI's parameters text.");
    config.AddCommand<RenderCommand>("render")
        .WithDescription("Render a video loopback job (options, --job FILE, or --resume RUN_FOLDER).");
    config.AddBranch("bench", bench =>
    {
        bench.SetDescription("Print speed and memory figures.");
        bench.AddCommand<BenchLoadCommand>("load")
            .WithDescription("Time and peak RSS of loading a ~2 GB fp16 safetensors file next to a plain sequential read.");
        bench.AddCommand<BenchTextCommand>("text")
            .WithDescription("CLIP tokenizer, full-size CLIP-L text encoder (random weights) and prompt conditioner.");
        bench.AddCommand<BenchUnetCommand>("unet")
            .WithDescription("Full-size SD1.5 UNet forward GFLOP/s against an fp32 matmul, VAE decoder time, peak memory.");
        bench.AddCommand<BenchImagingCommand>("imaging")
            .WithDescription("Throughput of the PIL-exact image operations (filters, blends, resize, PNG I/O).");
        bench.AddCommand<BenchSchedulesCommand>("schedules")
            .WithDescription("Per-frame cost of evaluating the twelve schedules.");
        bench.AddCommand<BenchRenderCommand>("render")
            .WithDescription("Orchestration alone: 64 frames 256x256, loop_n 2, temporal window 3, batch blend 2, fake generator.");
        bench.AddCommand<BenchFastDvdNetCommand>("fastdvdnet")
            .WithDescription("FastDVDNet post-process: time per frame and peak working memory for several frame counts.");
        bench.AddCommand<BenchLoraCommand>("lora")
            .WithDescription("Merge and exact un-merge of a rank-32 LoRA over the full-size SD1.5 UNet and text encoder (random weights).");
        bench.AddCommand<BenchControlNetCommand>("controlnet")
            .WithDescription("Full-size SD1.5 UNet forward at 256x256 with 0, 1 and 2 ControlNets (random weights).");
        bench.AddCommand<BenchSamplingCommand>("sampling")
            .WithDescription("Samplers over a synthetic denoiser and the noise sources, with live-tensor counts.");
    });
});
return app.Run(args);
