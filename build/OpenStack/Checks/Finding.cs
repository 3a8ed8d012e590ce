using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Build.OpenStack.Checks;

public enum FindingStatus { Pass, Fail, Warn, Info }

/// <summary>
/// One result of a check: which check (a stable id the runbook explains), on what, the outcome, what was seen, how to
/// fix it, and for the audit the ISO/IEC 27001:2022 Annex A control it evidences.
/// </summary>
public sealed record Finding(string Check, string Subject, FindingStatus Status, string Detail, string Fix = "", string? IsoControl = null)
{
    public static Finding Pass(string check, string subject, string detail, string? iso = null) => new(check, subject, FindingStatus.Pass, detail, "", iso);
    public static Finding Fail(string check, string subject, string detail, string fix, string? iso = null) => new(check, subject, FindingStatus.Fail, detail, fix, iso);

    public override string ToString() =>
        $"[{Status}] {Check} {Subject}: {Detail}" + (Fix.Length > 0 ? $" Fix: {Fix}" : "") + (IsoControl is null ? "" : $" (ISO 27001 {IsoControl})");
}

/// <summary>The ISO/IEC 27001:2022 Annex A controls the audit evidences.</summary>
public static class IsoControls
{
    /// <summary>5.23 Information security for use of cloud services: what runs in the tenant is what was intended.</summary>
    public const string CloudServices = "5.23";
    /// <summary>8.20 Networks security: exposure, anti-spoofing, the single public entry point.</summary>
    public const string NetworkSecurity = "8.20";
    /// <summary>8.22 Segregation of networks: the rule matrix and the tenant network.</summary>
    public const string Segregation = "8.22";

    public static string Title(string control) => control switch
    {
        CloudServices => "Information security for use of cloud services",
        NetworkSecurity => "Networks security",
        Segregation => "Segregation of networks",
        _ => control,
    };
}

/// <summary>The findings of one target, written as JSON evidence under artifacts/openstack/.</summary>
public sealed record CheckReport(string Target, string Platform, DateTimeOffset At, IReadOnlyList<Finding> Findings)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
    };

    public bool Passed => Findings.All(f => f.Status != FindingStatus.Fail);
    public IEnumerable<Finding> Failures => Findings.Where(f => f.Status == FindingStatus.Fail);
    public string ToJson() => JsonSerializer.Serialize(this, Json);
}
