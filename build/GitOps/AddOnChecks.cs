using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

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

    // ---- storage

    /// <summary>A StorageClass an enabled add-on creates, and whether it is the cluster's default class.</summary>
    public sealed record ProvidedClass(string Name, string Application, bool IsDefault);

    public const string CinderChart = "openstack-cinder-csi";
    public const string LocalPathChartPath = "deploy/chart/local-path-provisioner";
    public const string CertManagerChart = "cert-manager";

    /// <summary>
    /// The StorageClasses the enabled storage add-ons create, read from their Helm values: the Cinder CSI chart's two
    /// classes (csi-cinder-sc-delete, csi-cinder-sc-retain) when storageClass.enabled, plus any StorageClass in
    /// storageClass.custom; the local-path chart's storageClass.name when storageClass.create. A setting the values do
    /// not state counts as off, so a class is only trusted when this repository asks for it.
    /// </summary>
    public static IReadOnlyList<ProvidedClass> ProvidedStorageClasses(IReadOnlyList<ManifestObject> argo, Func<string, JObject?> readValues)
    {
        var classes = new List<ProvidedClass>();
        foreach (var app in argo.Where(o => o.Kind == "Application"))
            foreach (var source in Sources(app).Where(s => s["chart"] is not null || s["path"] is not null))
            {
                var values = new JObject();
                foreach (var file in (source.SelectToken("helm.valueFiles") as JArray)?.Select(f => (string?)f ?? "") ?? [])
                    if (readValues(file.StartsWith("$values/", StringComparison.Ordinal) ? file["$values/".Length..] : file) is { } v)
                        values.Merge(v, new JsonMergeSettings { MergeArrayHandling = MergeArrayHandling.Replace });
                if ((string?)source["chart"] == CinderChart && IsTrue(values.SelectToken("storageClass.enabled")))
                {
                    classes.Add(new("csi-cinder-sc-delete", app.Name, IsTrue(values.SelectToken("storageClass.delete.isDefault"))));
                    classes.Add(new("csi-cinder-sc-retain", app.Name, IsTrue(values.SelectToken("storageClass.retain.isDefault"))));
                }
                if ((string?)source["chart"] == CinderChart && (string?)values.SelectToken("storageClass.custom") is { Length: > 0 } custom)
                    classes.AddRange(YamlManifests.Parse(custom, $"{app.Name} storageClass.custom").Where(o => o.Kind == "StorageClass")
                        .Select(o => new ProvidedClass(o.Name, app.Name,
                            (string?)o.At("metadata.annotations['storageclass.kubernetes.io/is-default-class']") == "true")));
                if ((string?)source["path"] == LocalPathChartPath && IsTrue(values.SelectToken("storageClass.create")))
                    classes.Add(new((string?)values.SelectToken("storageClass.name") ?? "local-path", app.Name,
                        IsTrue(values.SelectToken("storageClass.defaultClass"))));
            }
        return classes;
    }

    /// <summary>
    /// Every storage class an environment's volumes ask for (PersistentVolumeClaims and StatefulSet volumeClaimTemplates)
    /// is created by an enabled add-on; a claim without a class needs a default class. Otherwise the claim stays
    /// Pending and the database never starts.
    /// </summary>
    public static IReadOnlyList<string> StorageClasses(IReadOnlyList<ManifestObject> argo, Func<string, JObject?> readValues,
        IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>> environments)
    {
        var provided = ProvidedStorageClasses(argo, readValues);
        var names = string.Join(", ", provided.Select(c => $"{c.Name} ({c.Application})"));
        var findings = new List<string>();
        foreach (var (env, objects) in environments)
            foreach (var (owner, claim) in Claims(objects))
            {
                var requested = claim["storageClassName"];
                if (requested is null || requested.Type == JTokenType.Null)
                {
                    if (!provided.Any(c => c.IsDefault))
                        findings.Add($"{env}: {owner} asks for the default storage class, but no enabled add-on marks one as default " +
                            $"(provided: {(names.Length == 0 ? "none" : names)}).");
                }
                else if (!provided.Any(c => c.Name == (string?)requested))
                {
                    findings.Add($"{env}: {owner} asks for storage class '{requested}', which no enabled add-on creates " +
                        $"(provided: {(names.Length == 0 ? "none" : names)}); the volume would stay Pending. Use a provided class or " +
                        "enable the add-on (argocd/apps/kustomization.yaml).");
                }
            }
        return findings;
    }

    private static IEnumerable<(string Owner, JObject Spec)> Claims(IEnumerable<ManifestObject> objects)
    {
        foreach (var o in objects)
        {
            if (o.Kind == "PersistentVolumeClaim" && o.Body["spec"] is JObject spec) yield return (o.Id, spec);
            foreach (var t in (o.At("spec.volumeClaimTemplates") as JArray)?.OfType<JObject>() ?? [])
                if (t["spec"] is JObject templateSpec) yield return ($"{o.Id} volumeClaimTemplate {t.SelectToken("metadata.name")}", templateSpec);
        }
    }

    // ---- certificate issuers

    /// <summary>
    /// Every cert-manager issuer an environment refers to (Ingress annotations cert-manager.io/cluster-issuer and
    /// cert-manager.io/issuer, Certificate issuerRef) exists: cert-manager is an enabled add-on, a ClusterIssuer of that
    /// name is in the render of one of the platform's Applications (<paramref name="appRenders"/>: Application name to
    /// the objects its path renders), and that Application syncs after cert-manager and before the environment.
    /// A namespaced Issuer must be in the environment itself.
    /// </summary>
    public static IReadOnlyList<string> Issuers(IReadOnlyList<ManifestObject> argo,
        IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>> appRenders,
        IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>> environments)
    {
        var findings = new List<string>();
        var apps = argo.Where(o => o.Kind == "Application").ToList();
        var certManager = apps.FirstOrDefault(a => Sources(a).Any(s => (string?)s["chart"] == CertManagerChart));
        foreach (var (env, objects) in environments)
            foreach (var (owner, kind, name, ns) in IssuerReferences(objects))
            {
                if (certManager is null)
                {
                    findings.Add($"{env}: {owner} asks cert-manager for a certificate ({kind} {name}), but no enabled Application " +
                        $"installs the {CertManagerChart} chart (argocd/apps/kustomization.yaml).");
                    continue;
                }
                if (kind == "Issuer")
                {
                    if (!objects.Any(o => o.Kind == "Issuer" && o.Name == name && o.Namespace == ns))
                        findings.Add($"{env}: {owner} refers to Issuer {ns}/{name}, which the environment does not contain.");
                    continue;
                }
                var holders = appRenders.Where(r => r.Value.Any(o => o.Kind == "ClusterIssuer" && o.Name == name)).Select(r => r.Key).ToList();
                if (holders.Count == 0)
                {
                    findings.Add($"{env}: {owner} refers to ClusterIssuer {name}, which no platform Application deploys; certificates " +
                        "would never be issued.");
                    continue;
                }
                var envApp = apps.FirstOrDefault(a => a.Name == "env-" + env);
                foreach (var holder in holders.Select(h => apps.FirstOrDefault(a => a.Name == h)).OfType<ManifestObject>())
                {
                    if (Wave(holder) <= Wave(certManager))
                        findings.Add($"Application {holder.Name} (ClusterIssuer {name}) syncs in wave {Wave(holder)}, not after " +
                            $"{certManager.Name} (wave {Wave(certManager)}): cert-manager's CRDs and webhook must exist first.");
                    if (envApp is not null && Wave(holder) >= Wave(envApp))
                        findings.Add($"Application {holder.Name} (ClusterIssuer {name}) syncs in wave {Wave(holder)}, not before " +
                            $"{envApp.Name} (wave {Wave(envApp)}).");
                }
            }
        return [.. findings.Distinct()];
    }

    private static IEnumerable<(string Owner, string Kind, string Name, string? Namespace)> IssuerReferences(IEnumerable<ManifestObject> objects)
    {
        foreach (var o in objects)
        {
            if (o.Kind == "Ingress")
            {
                if ((string?)o.At("metadata.annotations['cert-manager.io/cluster-issuer']") is { Length: > 0 } cluster)
                    yield return (o.Id, "ClusterIssuer", cluster, null);
                if ((string?)o.At("metadata.annotations['cert-manager.io/issuer']") is { Length: > 0 } issuer)
                    yield return (o.Id, "Issuer", issuer, o.Namespace);
            }
            if (o.Kind == "Certificate" && o.Group == "cert-manager.io" && (string?)o.At("spec.issuerRef.name") is { Length: > 0 } refName)
                yield return (o.Id, (string?)o.At("spec.issuerRef.kind") == "ClusterIssuer" ? "ClusterIssuer" : "Issuer", refName, o.Namespace);
        }
    }

    private static int Wave(ManifestObject o) =>
        int.TryParse((string?)o.At("metadata.annotations['argocd.argoproj.io/sync-wave']"), out var wave) ? wave : 0;

    private static IEnumerable<JObject> Sources(ManifestObject app) =>
        app.At("spec.sources") is JArray many ? many.OfType<JObject>() : app.At("spec.source") is JObject one ? [one] : [];

    private static bool IsTrue(JToken? token) => token?.Type == JTokenType.Boolean && (bool)token;
}
