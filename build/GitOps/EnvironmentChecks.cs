using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.GitOps;

/// <summary>The three renders of one environment overlay: complete, the env app alone, the guardrails alone.</summary>
public sealed record EnvironmentRender(string Environment, IReadOnlyList<ManifestObject> Complete,
    IReadOnlyList<ManifestObject> App, IReadOnlyList<ManifestObject> Guardrails);

/// <summary>
/// Cross-checks of a rendered environment against what GitOps will do with it: Kyverno would admit every object
/// (the offline policy twins), the env project can sync the app (namespaced, its namespace only, no guardrail kind),
/// the platform project can sync the guardrails, the namespace starts denied, and Git holds no Secret data.
/// </summary>
public static class EnvironmentChecks
{
    /// <summary>Cluster-scoped kinds an overlay might carry; the env project allows none of them.</summary>
    public static readonly IReadOnlySet<string> ClusterScopedKinds = new HashSet<string>
    {
        "Namespace", "ClusterRole", "ClusterRoleBinding", "CustomResourceDefinition", "StorageClass", "PersistentVolume",
        "PriorityClass", "IngressClass", "RuntimeClass", "CSIDriver", "ValidatingWebhookConfiguration",
        "MutatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding", "APIService",
        "ValidatingPolicy", "GeneratingPolicy", "MutatingPolicy", "ClusterIssuer",
    };

    /// <summary>Cluster-scoped kinds the platform project whitelists for guardrails.</summary>
    public static readonly IReadOnlySet<string> GuardrailClusterKinds = new HashSet<string> { "Namespace" };

    /// <summary>
    /// All findings. With <paramref name="digestsResolvedAtDeploy"/>, images without digest in acc are left to
    /// <see cref="UnresolvedDigests"/>: Git carries a digest slot that the resolve step fills before deploy.
    /// </summary>
    public static IReadOnlyList<string> Check(EnvironmentRender env, IReadOnlyList<string> allowedRegistries, bool digestsResolvedAtDeploy = false)
    {
        var findings = new List<string>();
        var name = env.Environment;

        findings.AddRange(PolicyChecks.Check(env.Complete, allowedRegistries, name)
            .Where(v => v.Action == PolicyAction.Deny && !(digestsResolvedAtDeploy && v.Policy == PolicyChecks.RequireImageDigest))
            .Select(v => $"{name}: Kyverno would reject it: {v}"));
        findings.AddRange(PolicyChecks.NamespacesWithoutDefaultDeny(env.Complete).Select(v => $"{name}: {v}"));
        if (!env.Complete.Any(o => o.Kind == "Namespace" && o.Name == name))
            findings.Add($"{name}: the complete overlay has no Namespace {name}.");

        foreach (var o in env.App)
        {
            if (ClusterScopedKinds.Contains(o.Kind))
                findings.Add($"{name}/app: {o.Id} is cluster-scoped; project env-{name} may not deploy it (move it to guardrails/).");
            else if (o.Namespace is not null && o.Namespace != name)
                findings.Add($"{name}/app: {o.Id} is outside namespace {name}; project env-{name} may not deploy it.");
            if (ArgoCdChecks.GuardrailKinds.Contains((o.Group, o.Kind)))
                findings.Add($"{name}/app: {o.Id} is a guardrail kind that project env-{name} blacklists (so the app cannot weaken " +
                    "isolation); Argo CD would refuse to sync it. Move it to guardrails/ (platform project).");
        }
        foreach (var o in env.Guardrails)
        {
            if (ClusterScopedKinds.Contains(o.Kind) && !GuardrailClusterKinds.Contains(o.Kind))
                findings.Add($"{name}/guardrails: {o.Id} is a cluster-scoped kind the platform project does not whitelist.");
            else if (!ClusterScopedKinds.Contains(o.Kind) && o.Namespace is not null && o.Namespace != name)
                findings.Add($"{name}/guardrails: {o.Id} is outside namespace {name}.");
        }
        foreach (var secret in env.Complete.Where(o => o.Kind == "Secret" && (HasEntries(o.Body["data"]) || HasEntries(o.Body["stringData"]))))
            findings.Add($"{name}: {secret.Id} carries data in Git; secrets are generated at deploy time.");
        return findings;
    }

    /// <summary>Images Kyverno would deny until the resolve step pins them by digest (require-image-digest).</summary>
    public static IReadOnlyList<PolicyViolation> UnresolvedDigests(EnvironmentRender env, IReadOnlyList<string> allowedRegistries) =>
        [.. PolicyChecks.Check(env.Complete, allowedRegistries, env.Environment).Where(v => v.Policy == PolicyChecks.RequireImageDigest)];

    private static bool HasEntries(JToken? token) => token is JObject { Count: > 0 };
}
