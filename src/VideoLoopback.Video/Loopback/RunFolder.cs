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

    /// <summary>The <see cref="ResumeRecord"/> beside the settings JSON.</summary>
    public string RecordFile => Path.Combine(Directory, Timestamp + ".resume.json");

    /// <summary>
    /// A new run folder of its own: <c>&lt;output&gt;/&lt;timestamp&gt;</c>, or <c>&lt;timestamp&gt;-2</c>, <c>-3</c>... when a render
    /// started in the same second holds it. Claimed by creating its settings file exclusively, so two renders never share one.
    /// </summary>
    public static RunFolder Claim(string outputDir, string timestamp)
    {
        for (int n = 1; ; n++)
        {
            var run = For(outputDir, n == 1 ? timestamp : $"{timestamp}-{n}");
            System.IO.Directory.CreateDirectory(run.Directory);
            try
            {
                new FileStream(run.SettingsFile, FileMode.CreateNew, FileAccess.Write, FileShare.None).Dispose();
                return run;
            }
            catch (IOException) when (File.Exists(run.SettingsFile) || System.IO.Directory.Exists(run.SettingsFile))
            {
            }
        }
    }

    /// <summary>Removes a claimed folder that a failed start never wrote to (its settings file still empty).</summary>
    public void ReleaseUnused()
    {
        try
        {
            bool unused = new FileInfo(SettingsFile) is { Exists: true, Length: 0 }
                && System.IO.Directory.EnumerateFileSystemEntries(Directory).All(e => e == SettingsFile || Path.GetFileName(e) == "preview.png");
            if (unused) System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
    }

    public string FramesDirectory => Path.Combine(Directory, "output_frames");

    public string LoopDirectory(int loop) => Path.Combine(FramesDirectory, $"loop_{loop + 1}");

    public string LoopVideo(int loop) => Path.Combine(Directory, $"{Timestamp}-loop_{loop + 1}.mp4");

    public string FinalVideo => Path.Combine(Directory, $"{Timestamp}.mp4");

    /// <summary>The original's frame file name: frame <paramref name="index"/> is <c>0000012.png</c> (loop outputs count from 0).</summary>
    public static string FrameName(int index) => $"{index:D7}.png";

    public string FramePath(int loop, int index) => Path.Combine(LoopDirectory(loop), FrameName(index));

    /// <summary>
    /// The first loop (0-based) with frames missing and how many of its frames are finished (a complete prefix). With
    /// <paramref name="postProcessed"/>, a loop's frames are rewritten by its post-process, so only the loops before
    /// <paramref name="loopsFinished"/> (recorded final) are taken whole; any other loop with frames there, or a final one
    /// missing some, starts over (its files may mix raw and post-processed frames).
    /// </summary>
    public (int Loop, int Frame) ResumePoint(int frameCount, int loopCount, int loopsFinished = 0, bool postProcessed = false)
    {
        for (int loop = 0; loop < loopCount; loop++)
        {
            int done = 0;
            while (done < frameCount && File.Exists(FramePath(loop, done))) done++;
            bool final = loop < loopsFinished;
            if (done == frameCount && (final || !postProcessed)) continue;
            return (loop, postProcessed && (final || done == frameCount) ? 0 : done);
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
