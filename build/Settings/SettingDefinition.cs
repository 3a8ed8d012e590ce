namespace Platform.Build.Settings;

/// <summary>The shape of a setting's value; decides how it is parsed and checked.</summary>
public enum SettingKind { Text, Integer, Boolean, List, Choice, Cidr, CidrList, DnsLabel, HostName, Url, Path }

/// <summary>
/// One setting the suite understands. Non-secret settings come from settings.yaml, then PLATFORM_* environment
/// variables, then --key=value arguments (last wins). Secret settings come only from <see cref="EnvironmentVariable"/>.
/// </summary>
public sealed record SettingDefinition(string Key, SettingKind Kind, string Description)
{
    public string? Default { get; init; }
    public bool Secret { get; init; }
    /// <summary>Targets that cannot run without this setting (checked before any tool runs).</summary>
    public IReadOnlyList<string> RequiredFor { get; init; } = [];
    public IReadOnlyList<string> Choices { get; init; } = [];
    public int Minimum { get; init; } = int.MinValue;
    public int Maximum { get; init; } = int.MaxValue;
    /// <summary>Extra check on one parsed item; returns a problem and its fix, or null when fine.</summary>
    public Func<string, SettingProblem?>? Check { get; init; }
    /// <summary>For secrets: the environment variable that carries it. Others default to PLATFORM_KEY_PATH.</summary>
    public string? EnvironmentVariableOverride { get; init; }

    /// <summary>The command-line form: dots and camel humps become dashes (openstack.adminCidrs: --openstack-admin-cidrs).</summary>
    public string ArgumentName =>
        System.Text.RegularExpressions.Regex.Replace(Key.Replace('.', '-'), "(?<=[a-z0-9])([A-Z])", "-$1").ToLowerInvariant();

    public string EnvironmentVariable =>
        EnvironmentVariableOverride ?? "PLATFORM_" + Key.Replace('.', '_').ToUpperInvariant();
}

public sealed record SettingProblem(string Problem, string Fix);

/// <summary>A setting that failed: which one, the bad value (redacted when secret), what is wrong and how to fix it.</summary>
public sealed record SettingError(string Key, string? Value, string Problem, string Fix)
{
    public override string ToString() =>
        $"Setting '{Key}'" + (Value is null ? "" : $" = '{Value}'") + $": {Problem} Fix: {Fix}";
}

public sealed class SettingsException(IReadOnlyList<SettingError> errors)
    : Exception("Invalid settings:\n  " + string.Join("\n  ", errors))
{
    public IReadOnlyList<SettingError> Errors { get; } = errors;
}
