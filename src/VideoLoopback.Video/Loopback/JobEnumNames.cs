using System.Reflection;
using System.Text.Json.Serialization;

namespace VideoLoopback.Video.Loopback;

/// <summary>Job enums by the names the settings JSON and the command line use (<see cref="JsonStringEnumMemberNameAttribute"/>).</summary>
public static class JobEnumNames
{
    public static string Name(Enum value) =>
        value.GetType().GetField(value.ToString())!.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()!.Name;

    /// <summary>Every name of <paramref name="type"/>, in declaration order.</summary>
    public static IReadOnlyList<string> Names(Type type) => Enum.GetValues(type).Cast<Enum>().Select(Name).ToList();

    /// <summary>The value named <paramref name="name"/> (exactly), or null.</summary>
    public static Enum? Parse(Type type, string name) => Enum.GetValues(type).Cast<Enum>().FirstOrDefault(v => Name(v) == name);

    /// <summary>"'simple' or 'with difference mask from reference'", for error messages.</summary>
    public static string Expected(Type type)
    {
        var names = Names(type).Select(n => $"'{n}'").ToList();
        return names.Count == 1 ? names[0] : string.Join(", ", names.SkipLast(1)) + " or " + names[^1];
    }
}
