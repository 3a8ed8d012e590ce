using Newtonsoft.Json.Linq;

namespace Platform.Build.GitOps;

/// <summary>
/// Cross-checks between the cluster add-ons (their Helm values under argocd/addons) and what the platform relies on
/// them for. Each returns findings; empty means the rule holds.
/// </summary>
public static class AddOnChecks
{
    public const string KyvernoValuesFile = "argocd/addons/kyverno/values.yaml";
    private const string NameLabel = "kubernetes.io/metadata.name";

    /// <summary>
    /// Every namespace the policies exclude is also outside the namespaceSelector of Kyverno's webhooks
    /// (config.webhooks of the kyverno chart). A policy's own exclusion is evaluated inside Kyverno; only the webhook's
    /// selector, which the API server applies, keeps a namespace working while Kyverno is down.
    /// </summary>
    public static IReadOnlyList<string> KyvernoWebhookScope(JObject values, IReadOnlyList<string> excludedByPolicies)
    {
        // Chart 3.x takes an object; older charts took a list of which only the first entry counts.
        var webhooks = values.SelectToken("config.webhooks") is JArray list ? list.FirstOrDefault() : values.SelectToken("config.webhooks");
        var expressions = (webhooks?.SelectToken("namespaceSelector.matchExpressions") as JArray)?.OfType<JObject>().ToList() ?? [];
        var excluded = expressions
            .Where(e => (string?)e["key"] == NameLabel && (string?)e["operator"] == "NotIn")
            .SelectMany(e => (e["values"] as JArray)?.Select(v => (string?)v ?? "") ?? [])
            .ToHashSet(StringComparer.Ordinal);
        var findings = new List<string>();
        var missing = excludedByPolicies.Where(ns => !excluded.Contains(ns)).ToList();
        if (missing.Count > 0)
            findings.Add($"{KyvernoValuesFile}: config.webhooks.namespaceSelector does not exclude {string.Join(", ", missing)} " +
                $"({NameLabel} NotIn). The policies exclude them, but only the webhook selector holds while Kyverno is down: " +
                "add them to its values.");
        foreach (var e in expressions.Where(e => (string?)e["key"] == NameLabel && (string?)e["operator"] == "In"))
            findings.Add($"{KyvernoValuesFile}: config.webhooks.namespaceSelector selects namespaces by name (In); " +
                "the policies decide where they apply, the selector only keeps the system namespaces out.");
        return findings;
    }
}
