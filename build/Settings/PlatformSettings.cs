using System.Globalization;

namespace Platform.Build.Settings;

/// <summary>
/// The validated settings of one run. Values are already checked against their definitions; typed getters never fail
/// for a known key. Each concern builds its own typed view from this (e.g. NetworkPlan.From(settings)).
/// </summary>
public sealed class PlatformSettings
{
    private readonly IReadOnlyDictionary<string, string> _values;

    internal PlatformSettings(string repositoryRoot, string target, IReadOnlyDictionary<string, string> values,
        IReadOnlyDictionary<string, string> sources)
    {
        RepositoryRoot = repositoryRoot;
        Target = target;
        _values = values;
        Sources = sources;
    }

    public string RepositoryRoot { get; }
    public string Target { get; }
    /// <summary>Where each value came from: default, settings file, environment variable or argument.</summary>
    public IReadOnlyDictionary<string, string> Sources { get; }

    public string Get(string key) => _values.TryGetValue(Require(key).Key, out var v) ? v : string.Empty;
    public bool Has(string key) => Get(key).Length > 0;

    public IReadOnlyList<string> GetList(string key) =>
        Get(key).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    public int GetInt(string key) => int.Parse(Get(key), CultureInfo.InvariantCulture);
    public bool GetBool(string key) => bool.Parse(Get(key));

    /// <summary>A path setting, with ~ expanded and relative paths anchored at the repository root.</summary>
    public string GetPath(string key)
    {
        var value = Get(key);
        if (value.Length == 0) return value;
        if (value == "~" || value.StartsWith("~/", StringComparison.Ordinal))
            value = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), value.TrimStart('~', '/'));
        return Path.GetFullPath(value, RepositoryRoot);
    }

    /// <summary>The environments this run acts on: 'env' if given, else all of 'environments'.</summary>
    public IReadOnlyList<string> SelectedEnvironments =>
        Has(SettingsCatalog.EnvKey) ? GetList(SettingsCatalog.EnvKey) : GetList(SettingsCatalog.EnvironmentsKey);

    public string OutputDirectory => GetPath("output");

    public IEnumerable<(string Key, string Value, string Source, bool Secret)> Describe() =>
        SettingsCatalog.All.Select(d => (d.Key, d.Secret && Has(d.Key) ? Logging.Redaction.Mask : Get(d.Key),
            Sources.GetValueOrDefault(d.Key, "unset"), d.Secret));

    private static SettingDefinition Require(string key) =>
        SettingsCatalog.Find(key) ?? throw new ArgumentException($"'{key}' is not a setting in SettingsCatalog.", nameof(key));
}
