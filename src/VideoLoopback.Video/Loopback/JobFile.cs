using System.Globalization;
using System.Text;
using System.Text.Json;

namespace VideoLoopback.Video.Loopback;

/// <summary>
/// The job file format, which is the settings JSON the original extension writes beside its frames
/// (<c>&lt;output&gt;/&lt;timestamp&gt;/&lt;timestamp&gt;.json</c>): the same keys, read as-is, plus ours (see <see cref="JobParameters"/>).
/// Writing produces the original's layout (Python's <c>json.dump(indent=4)</c>).
/// </summary>
public static class JobFile
{
    /// <summary>Keys the original writes that describe a finished run rather than a job; read and ignored.</summary>
    private static readonly HashSet<string> Informational = ["timestamp", "model_name", "model_hash"];

    public static JobSpec Read(string path)
    {
        if (!File.Exists(path)) throw new JobException($"job file '{path}' does not exist");
        JsonDocument doc;
        try { doc = JsonDocument.Parse(File.ReadAllText(path)); }
        catch (JsonException e) { throw new JobException($"job file '{path}' is not valid JSON: {e.Message}", e); }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw new JobException($"job file '{path}': expected a JSON object");
            var job = new JobSpec();
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (Informational.Contains(prop.Name)) continue;
                job = Apply(job, prop.Name, prop.Value, $"job file '{path}'");
            }
            return job;
        }
    }

    /// <summary>Sets the parameter named <paramref name="key"/> (the original's name) from a JSON value.</summary>
    public static JobSpec Apply(JobSpec job, string key, JsonElement v, string where)
    {
        var parameter = JobParameters.Find(key)
            ?? throw new JobException($"{where}: unknown key '{key}' (expected the original's parameter names, e.g. loop_n, superimpose_alpha)");
        return parameter.With(job, parameter.FromJson(v, where));
    }

    /// <summary>
    /// The settings JSON the original writes: the timestamp, its script arguments and the img2img settings at start (the
    /// job's seeds resolved), the model's name and hash, in its key order; then our keys that differ from their defaults.
    /// </summary>
    public static string Settings(JobSpec job, string timestamp, string modelName, string modelHash)
    {
        var fields = new List<(string, object?)> { ("timestamp", timestamp) };
        fields.AddRange(JobParameters.All.Where(p => p.Write == JobKeyWrite.Always).Select(p => (p.Key, p.ToJson(job))));
        fields.Add(("model_name", modelName));
        fields.Add(("model_hash", modelHash));
        // Ours: written only when set, so --resume finds the same weights.
        fields.AddRange(JobParameters.All.Where(p => p.Write == JobKeyWrite.WhenChanged && !p.IsDefault(job)).Select(p => (p.Key, p.ToJson(job))));
        return PythonJson(fields);
    }

    /// <summary>
    /// A value as Python's json module writes it with ensure_ascii=False and indent=4 (floats in repr form: 7.0, 0.25); an
    /// object is a list of (key, value) pairs, kept in order.
    /// </summary>
    public static string PythonJson(object? v, int indent = 0) => v switch
    {
        List<(string, object?)> o => Container('{', '}', o.Select(p => PythonJson(p.Item1) + ": " + PythonJson(p.Item2, indent + 1)).ToList(), indent),
        List<object?> a => Container('[', ']', a.Select(e => PythonJson(e, indent + 1)).ToList(), indent),
        null => "null",
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        int i => i.ToString(CultureInfo.InvariantCulture),
        double d => PythonFloat(d),
        string s => PythonString(s),
        _ => throw new ArgumentException($"cannot write {v.GetType().Name} as JSON"),
    };

    private static string Container(char open, char close, List<string> items, int indent)
    {
        if (items.Count == 0) return $"{open}{close}";
        string inner = new(' ', 4 * (indent + 1)), outer = new(' ', 4 * indent);
        return open + "\n" + string.Join(",\n", items.Select(i => inner + i)) + "\n" + outer + close;
    }

    /// <summary>Python's json.dump: NaN and the infinities as JavaScript names, finite values as repr(float).</summary>
    private static string PythonFloat(double d) =>
        double.IsNaN(d) ? "NaN"
        : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity")
        : Diffusion.Text.PythonFloat.Repr(d);

    private static string PythonString(string s)
    {
        var sb = new StringBuilder("\"");
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\b': sb.Append("\\b"); break;
                case '\f': sb.Append("\\f"); break;
                default:
                    if (c < 0x20) sb.Append($"\\u{(int)c:x4}");
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
