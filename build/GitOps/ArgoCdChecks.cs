using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.GitOps;

/// <summary>
/// Cross-checks over the rendered Argo CD objects (argocd/root and argocd/apps): environment isolation, pinned
/// revisions, no wildcards in projects, sync policies per environment. Each returns findings; empty means the rule holds.
/// </summary>
public static partial class ArgoCdChecks
{
    public const string InClusterServer = "https://kubernetes.default.svc";
    public const string PlatformProject = "platform";
    public const string Placeholder = "set-by-configure";

    /// <summary>Namespaced kinds only the platform project may deploy: the environment app must not weaken them.</summary>
    public static readonly IReadOnlyList<(string Group, string Kind)> GuardrailKinds =
        [("", "ResourceQuota"), ("", "LimitRange"), ("networking.k8s.io", "NetworkPolicy")];

    public static IReadOnlyList<string> All(IReadOnlyList<ManifestObject> objects, IReadOnlyList<string> environments) =>
        [.. EnvironmentIsolation(objects, environments), .. PinnedRevisions(objects), .. ProjectWildcards(objects),
         .. SyncPolicies(objects, environments)];

    /// <summary>
    /// Each env-&lt;env&gt; Application deploys k8s/overlays/&lt;env&gt;/app into exactly namespace &lt;env&gt; of the
    /// in-cluster server, in its own project env-&lt;env&gt;; that project allows that destination and this repository
    /// only, no cluster-scoped kind, blacklists the guardrail kinds, and no other project but platform reaches the namespace.
    /// </summary>
    public static IReadOnlyList<string> EnvironmentIsolation(IReadOnlyList<ManifestObject> objects, IReadOnlyList<string> environments)
    {
        var findings = new List<string>();
        var apps = objects.Where(o => o.Kind == "Application").ToList();
        var projects = objects.Where(o => o.Kind == "AppProject").ToList();
        foreach (var env in environments)
        {
            var name = "env-" + env;
            var app = apps.SingleOrDefault(a => a.Name == name);
            var project = projects.SingleOrDefault(p => p.Name == name);
            if (app is null) { findings.Add($"Application {name} is missing."); continue; }
            if (project is null) { findings.Add($"AppProject {name} is missing."); continue; }

            if ((string?)app.At("spec.project") != name)
                findings.Add($"Application {name} uses project '{app.At("spec.project")}', not its own project {name}.");
            if ((string?)app.At("spec.destination.namespace") != env)
                findings.Add($"Application {name} targets namespace '{app.At("spec.destination.namespace")}', not {env}.");
            if ((string?)app.At("spec.destination.server") != InClusterServer || app.At("spec.destination.name") is not null)
                findings.Add($"Application {name} must target the in-cluster server {InClusterServer} (by server URL only).");
            if (app.At("spec.sources") is not null)
                findings.Add($"Application {name} must have a single source (spec.source), not spec.sources.");
            if ((string?)app.At("spec.source.path") != $"k8s/overlays/{env}/app")
                findings.Add($"Application {name} deploys path '{app.At("spec.source.path")}', not k8s/overlays/{env}/app.");

            var destinations = (project.At("spec.destinations") as JArray)?.OfType<JObject>().ToList() ?? [];
            if (destinations.Count != 1 || (string?)destinations[0]["namespace"] != env || (string?)destinations[0]["server"] != InClusterServer
                || destinations[0]["name"] is not null)
                findings.Add($"AppProject {name} must allow exactly one destination: namespace {env} on {InClusterServer}; it allows " +
                    $"{string.Join("; ", destinations.Select(d => d.ToString(Newtonsoft.Json.Formatting.None)))}.");
            var repos = Strings(project.At("spec.sourceRepos"));
            var appRepo = (string?)app.At("spec.source.repoURL");
            if (repos.Count != 1 || repos[0] != appRepo)
                findings.Add($"AppProject {name} must allow only this repository ({appRepo}) as source; it allows {string.Join(", ", repos)}.");
            if (project.At("spec.clusterResourceWhitelist") is JArray { Count: > 0 })
                findings.Add($"AppProject {name} must not allow any cluster-scoped kind (clusterResourceWhitelist must be empty).");
            if (project.At("spec.namespaceResourceWhitelist") is JArray { Count: > 0 } whitelist && whitelist.OfType<JObject>()
                .Any(w => GuardrailKinds.Contains(((string?)w["group"] ?? "", (string?)w["kind"] ?? ""))))
                findings.Add($"AppProject {name} whitelists a guardrail kind.");
            var blacklist = (project.At("spec.namespaceResourceBlacklist") as JArray)?.OfType<JObject>()
                .Select(b => ((string?)b["group"] ?? "", (string?)b["kind"] ?? "")).ToList() ?? [];
            foreach (var kind in GuardrailKinds.Where(k => !blacklist.Contains(k)))
                findings.Add($"AppProject {name} does not blacklist {kind.Kind}: the {env} app could weaken its guardrails.");
            if (Strings(project.At("spec.sourceNamespaces")).Count > 0)
                findings.Add($"AppProject {name} must not accept Applications from other namespaces (sourceNamespaces).");

            foreach (var other in apps.Where(a => a.Name != name && (string?)a.At("spec.project") == name))
                findings.Add($"Application {other.Name} also uses project {name}; only {name} may.");
            foreach (var other in projects.Where(p => p.Name != name && p.Name != PlatformProject))
                if ((other.At("spec.destinations") as JArray)?.OfType<JObject>().Any(d => (string?)d["namespace"] == env) == true)
                    findings.Add($"AppProject {other.Name} can also deploy into namespace {env}; only {name} and {PlatformProject} may.");
        }
        return findings;
    }

    /// <summary>
    /// Every source of every Application is pinned: a chart to an exact version, Git to a named revision — never HEAD,
    /// empty, a range or the Configure placeholder.
    /// </summary>
    public static IReadOnlyList<string> PinnedRevisions(IReadOnlyList<ManifestObject> objects)
    {
        var findings = new List<string>();
        foreach (var app in objects.Where(o => o.Kind == "Application"))
        {
            var sources = app.At("spec.sources") is JArray many ? many.OfType<JObject>().ToList()
                : app.At("spec.source") is JObject one ? [one] : [];
            if (sources.Count == 0) findings.Add($"Application {app.Name} has no source.");
            foreach (var source in sources)
            {
                var revision = (string?)source["targetRevision"] ?? "";
                var repo = (string?)source["repoURL"] ?? "";
                if (repo.Length == 0 || repo == Placeholder)
                    findings.Add($"Application {app.Name}: repoURL is not set (run ./build.sh --target=Configure).");
                if (source["chart"] is not null)
                {
                    if (!ExactVersion().IsMatch(revision))
                        findings.Add($"Application {app.Name}: chart {source["chart"]} version '{revision}' is not an exact version (e.g. 3.8.2).");
                }
                else if (revision.Length == 0 || revision == Placeholder || string.Equals(revision, "HEAD", StringComparison.OrdinalIgnoreCase)
                    || revision.IndexOfAny(['*', '^', '~', '<', '>', ' ']) >= 0)
                {
                    findings.Add($"Application {app.Name}: targetRevision '{revision}' is not pinned (never empty or HEAD; name a branch, tag or commit).");
                }
            }
        }
        return findings;
    }

    /// <summary>No AppProject uses wildcards in sources, destinations, cluster resources or namespace whitelists.</summary>
    public static IReadOnlyList<string> ProjectWildcards(IReadOnlyList<ManifestObject> objects)
    {
        var findings = new List<string>();
        foreach (var project in objects.Where(o => o.Kind == "AppProject"))
        {
            foreach (var repo in Strings(project.At("spec.sourceRepos")).Where(IsWildcard))
                findings.Add($"AppProject {project.Name}: sourceRepos entry '{repo}' is a wildcard.");
            foreach (var ns in Strings(project.At("spec.sourceNamespaces")).Where(IsWildcard))
                findings.Add($"AppProject {project.Name}: sourceNamespaces entry '{ns}' is a wildcard.");
            foreach (var d in (project.At("spec.destinations") as JArray)?.OfType<JObject>() ?? [])
                foreach (var field in new[] { "server", "namespace", "name" })
                    if ((string?)d[field] is { } value && IsWildcard(value))
                        findings.Add($"AppProject {project.Name}: destination {field} '{value}' is a wildcard.");
            foreach (var list in new[] { "clusterResourceWhitelist", "namespaceResourceWhitelist" })
                foreach (var r in (project.At($"spec.{list}") as JArray)?.OfType<JObject>() ?? [])
                    foreach (var field in new[] { "group", "kind", "name" })
                        if ((string?)r[field] is { } value && IsWildcard(value))
                            findings.Add($"AppProject {project.Name}: {list} {field} '{value}' is a wildcard.");
        }
        return findings;
    }

    /// <summary>
    /// dev and test sync automatically with prune and self-heal; acc has no automated sync, its project a sync window,
    /// and the root's prune cannot delete it.
    /// </summary>
    public static IReadOnlyList<string> SyncPolicies(IReadOnlyList<ManifestObject> objects, IReadOnlyList<string> environments)
    {
        var findings = new List<string>();
        foreach (var env in environments)
        {
            var app = objects.SingleOrDefault(o => o.Kind == "Application" && o.Name == "env-" + env);
            if (app is null) continue; // reported by EnvironmentIsolation
            var automated = app.At("spec.syncPolicy.automated") as JObject;
            if (env == PolicyChecks.AccNamespace)
            {
                if (automated is not null && (bool?)automated["enabled"] != false)
                    findings.Add("Application env-acc must not sync automatically: acc changes are a deliberate manual sync.");
                var project = objects.SingleOrDefault(o => o.Kind == "AppProject" && o.Name == "env-acc");
                if (project?.At("spec.syncWindows") is not JArray { Count: > 0 } windows
                    || !windows.OfType<JObject>().Any(w => (string?)w["kind"] == "allow"))
                    findings.Add("AppProject env-acc needs an allow sync window: acc syncs only inside it.");
                if (((string?)app.At("metadata.annotations['argocd.argoproj.io/sync-options']"))?.Contains("Prune=false") != true)
                    findings.Add("Application env-acc needs the annotation argocd.argoproj.io/sync-options: Prune=false (the root app must never prune acc).");
            }
            else if (automated is null || (bool?)automated["prune"] != true || (bool?)automated["selfHeal"] != true)
            {
                findings.Add($"Application env-{env} must sync automatically with prune and selfHeal.");
            }
            if (!Strings(app.At("spec.syncPolicy.syncOptions")).Contains("ServerSideApply=true"))
                findings.Add($"Application env-{env} must use ServerSideApply=true.");
        }
        return findings;
    }

    private static bool IsWildcard(string value) => value.Contains('*') || value.Contains('?') || value.StartsWith('!');

    private static List<string> Strings(JToken? token) =>
        (token as JArray)?.Select(t => (string?)t ?? "").ToList() ?? [];

    [GeneratedRegex(@"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex ExactVersion();
}
