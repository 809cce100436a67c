using VideoLoopback.Video.Imaging;
using VideoLoopback.Video.Ffmpeg;
using static TorchSharp.torch;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The frames of the first loop: an image folder, a single image repeated max_frames times, or a video decoded through
/// an ffmpeg pipe. extract_nth_frame and max_frames apply as in the original (is_continue keeps every frame).
/// </summary>
public static class FrameSource
{
    public static bool IsVideo(string input) => File.Exists(input) && !ImageListing.IsImage(input);

    /// <summary>
    /// Loads and resizes every frame onto <paramref name="device"/>, one by one as they are enumerated (a store can spill
    /// them as they come); the caller owns them (frames of a single image share one tensor).
    /// </summary>
    public static IEnumerable<SourceFrame> Load(JobSpec job, Device device)
    {
        var input = job.InputDir;
        int step = job.IsContinue ? 1 : job.ExtractNthFrame;
        if (Directory.Exists(input))
        {
            var paths = Select(ImageListing.ImagePaths(input), step, job.MaxFrames);
            return paths.Select(p => new SourceFrame(LoadResized(p, job, device), System.IO.Path.GetFileName(p), p));
        }
        if (!File.Exists(input))
            throw new JobException($"input_dir: '{input}' does not exist (expected a folder of images, an image or a video file)");
        if (ImageListing.IsImage(input))
        {
            var pixels = LoadResized(input, job, device);
            var name = System.IO.Path.GetFileName(input);
            return Enumerable.Range(0, job.MaxFrames).Select(_ => new SourceFrame(pixels, name, input));
        }
        return VideoFrames(input, job, step, device);
    }

    /// <summary>The decoded frames one at a time (a store may spill them as they come); a corrupt video names the input.</summary>
    private static IEnumerable<SourceFrame> VideoFrames(string input, JobSpec job, int step, Device device)
    {
        int count = 0;
        using var decoded = VideoDecoder.Frames(input, i => i % step == 0, job.MaxFrames, device).GetEnumerator();
        while (true)
        {
            Tensor raw;
            try
            {
                if (!decoded.MoveNext()) break;
                raw = decoded.Current;
            }
            catch (InvalidDataException e)
            {
                throw new JobException($"input_dir: {e.Message}", e);
            }
            using (raw)
            {
                var resized = FrameResize.Resize(raw, job.Width, job.Height, job.ResizeMode);
                resized.DetachFromDisposeScope();
                yield return new SourceFrame(resized, RunFolder.FrameName(++count), null);
            }
        }
        if (count == 0)
            throw new JobException($"input_dir: video '{input}' has no frames");
    }

    /// <summary>A reference_frames_directory part: its images with extract_nth_frame and max_frames always applied.</summary>
    public static IReadOnlyList<SourceFrame> LoadReference(string directory, JobSpec job, Device device)
    {
        var paths = Select(ImageListing.ImagePaths(directory), job.ExtractNthFrame, job.MaxFrames);
        return paths.Select(p => new SourceFrame(LoadResized(p, job, device), System.IO.Path.GetFileName(p), p)).ToList();
    }

    private static List<string> Select(IReadOnlyList<string> paths, int step, int max) =>
        paths.Where((_, i) => i % step == 0).Take(max).ToList();

    /// <summary>Reads an image (L becomes RGB and LA RGBA: every operation then gives the same values) and resizes it as the original does.</summary>
    public static Tensor LoadResized(string path, JobSpec job, Device device)
    {
        using var scope = NewDisposeScope();
        var image = ImageFile.Read(path, device, job.MaxImagePixels).Image;
        if (image.shape[0] <= 2) image = FrameModes.Convert(image, (int)image.shape[0] + 2);
        var resized = FrameResize.Resize(image, job.Width, job.Height, job.ResizeMode);
        resized.DetachFromDisposeScope();
        return resized;
    }
}
