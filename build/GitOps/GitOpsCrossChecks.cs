using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.GitOps;

/// <summary>What the GitOps cross-checks read: renders and values files, gathered by the caller.</summary>
/// <param name="Argo">argocd/apps and argocd/root rendered (the Applications and AppProjects Argo CD will hold).</param>
/// <param name="Environments">Each environment's complete overlay (k8s/overlays/&lt;env&gt;), by name.</param>
/// <param name="PlatformApps">What each platform Application's path renders to, by Application name.</param>
/// <param name="ReadValues">A Helm values file of the repository by its relative path (null when missing).</param>
public sealed record GitOpsInputs(
    IReadOnlyList<ManifestObject> Argo,
    IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>> Environments,
    IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>> PlatformApps,
    Func<string, JObject?> ReadValues,
    IReadOnlyList<string> AllowedRegistries);

/// <summary>
/// The offline twin of what GitOps will do, run by Validate so a change that Argo CD or Kyverno would refuse fails on
/// the author's machine: the Argo CD tree (isolation, pinned revisions, sync policies, no wildcards), every environment
/// against the Kyverno policies that deny there, the default-deny namespace, and the add-ons the environments rely on
/// (storage classes, certificate issuers, Kyverno's webhook scope). Pure; the tests prove each rule with mutations.
/// </summary>
public static class GitOpsCrossChecks
{
    public static IReadOnlyList<string> Run(GitOpsInputs inputs)
    {
        var environments = inputs.Environments.Keys.ToList();
        var findings = new List<string>(ArgoCdChecks.All(inputs.Argo, environments));
        foreach (var (env, objects) in inputs.Environments)
        {
            // Digests are left to the warning Validate gives: Git keeps acc's digest slots empty until a release fills them.
            findings.AddRange(PolicyChecks.Check(objects, inputs.AllowedRegistries, env)
                .Where(v => v.Action == PolicyAction.Deny && v.Policy != PolicyChecks.RequireImageDigest)
                .Select(v => $"{env}: Kyverno would reject it: {v}"));
            findings.AddRange(PolicyChecks.NamespacesWithoutDefaultDeny(objects).Select(v => $"{env}: {v}"));
        }
        findings.AddRange(AddOnChecks.StorageClasses(inputs.Argo, inputs.ReadValues, inputs.Environments));
        findings.AddRange(AddOnChecks.Issuers(inputs.Argo, inputs.PlatformApps, inputs.Environments));
        if (inputs.ReadValues(AddOnChecks.KyvernoValuesFile) is { } kyverno)
            findings.AddRange(AddOnChecks.KyvernoWebhookScope(kyverno, PolicyChecks.SystemNamespaces));
        return findings;
    }

    /// <summary>argocd/apps and argocd/root together, each object once, as Argo CD holds them in the cluster.</summary>
    public static IReadOnlyList<ManifestObject> ArgoTree(IReadOnlyList<ManifestObject> apps, IReadOnlyList<ManifestObject> root) =>
        [.. apps, .. root.Where(r => !apps.Any(a => a.Kind == r.Kind && a.Name == r.Name))];

    /// <summary>A Helm values file of the repository by its path relative to the root (null when missing).</summary>
    public static JObject? ReadValues(string repositoryRoot, string relativePath)
    {
        var path = Path.Combine(repositoryRoot, relativePath);
        return File.Exists(path) ? YamlManifests.ParseFile(path).SingleOrDefault()?.Body : null;
    }

    /// <summary>The repository paths of the platform Applications whose sources this repository renders.</summary>
    public static IReadOnlyDictionary<string, string> PlatformAppPaths(IReadOnlyList<ManifestObject> argo) =>
        argo.Where(o => o.Kind == "Application" && (string?)o.At("spec.project") == "platform" && o.Name != "platform-root"
                        && (string?)o.At("spec.source.path") is not null)
            .GroupBy(a => a.Name)
            .ToDictionary(g => g.Key, g => (string)g.First().At("spec.source.path")!);
}
