using VideoLoopback.Video.Imaging;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// A render's folder <c>&lt;output&gt;/&lt;timestamp&gt;</c>, laid out as the original's: the settings JSON
/// <c>&lt;timestamp&gt;.json</c>, the frames <c>output_frames/loop_&lt;n&gt;/0000000.png</c>, a video per loop
/// <c>&lt;timestamp&gt;-loop_&lt;n&gt;.mp4</c> and the final <c>&lt;timestamp&gt;.mp4</c>. Loops are 0-based here, 1-based in names.
/// </summary>
public sealed class RunFolder(string directory)
{
    public static RunFolder For(string outputDir, string timestamp) => new(Path.Combine(outputDir, timestamp));

    public string Directory { get; } = Path.TrimEndingDirectorySeparator(directory);

    public string Timestamp => Path.GetFileName(Directory);

    public string SettingsFile => Path.Combine(Directory, Timestamp + ".json");

    public string FramesDirectory => Path.Combine(Directory, "output_frames");

    public string LoopDirectory(int loop) => Path.Combine(FramesDirectory, $"loop_{loop + 1}");

    public string LoopVideo(int loop) => Path.Combine(Directory, $"{Timestamp}-loop_{loop + 1}.mp4");

    public string FinalVideo => Path.Combine(Directory, $"{Timestamp}.mp4");

    /// <summary>The original's frame file name: frame <paramref name="index"/> is <c>0000012.png</c> (loop outputs count from 0).</summary>
    public static string FrameName(int index) => $"{index:D7}.png";

    public string FramePath(int loop, int index) => Path.Combine(LoopDirectory(loop), FrameName(index));

    /// <summary>The first loop (0-based) with frames missing and how many of its frames are finished (a complete prefix).</summary>
    public (int Loop, int Frame) ResumePoint(int frameCount, int loopCount)
    {
        for (int loop = 0; loop < loopCount; loop++)
        {
            int done = 0;
            while (done < frameCount && File.Exists(FramePath(loop, done))) done++;
            if (done < frameCount) return (loop, done);
        }
        return (loopCount, 0);
    }

    /// <summary>The first <paramref name="count"/> frames a loop wrote, read back onto <paramref name="device"/>.</summary>
    public List<SourceFrame> ReadLoopOutputs(int loop, int count, Device device) =>
        Enumerable.Range(0, count).Select(i =>
        {
            var path = FramePath(loop, i);
            var pixels = ImageFile.Read(path, device).Image;
            pixels.DetachFromDisposeScope();
            return new SourceFrame(pixels, FrameName(i), path);
        }).ToList();
}
