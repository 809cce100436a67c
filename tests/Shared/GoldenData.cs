namespace VideoLoopback.Tests.Shared;

/// <summary>
/// Locates the golden reference data: the folder named by VIDEOLOOPBACK_GOLDEN, else tests/golden
/// of this checkout (found by walking up from the test binaries).
/// </summary>
public static class GoldenData
{
    public const string EnvironmentVariable = "VIDEOLOOPBACK_GOLDEN";

    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    /// <summary>A path under the golden root; the folder must exist, so a missing data set fails loudly.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            var full = System.IO.Path.GetFullPath(fromEnvironment);
            if (!Directory.Exists(full))
                throw new DirectoryNotFoundException($"{EnvironmentVariable}={fromEnvironment}: folder not found");
            return full;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "tests", "golden");
            if (Directory.Exists(candidate)) return candidate;
        }
        throw new DirectoryNotFoundException("tests/golden not found above " + AppContext.BaseDirectory + $"; set {EnvironmentVariable}");
    }
}
