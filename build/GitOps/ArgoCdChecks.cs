using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.GitOps;

/// <summary>
/// Cross-checks over the rendered Argo CD objects (argocd/root and argocd/apps): environment isolation, the platform's
/// guardrail and policy Applications, pinned revisions, no wildcards in projects, sync policies per environment, the
/// server-side apply and diff options. Each returns findings; empty means the rule holds.
/// </summary>
public static partial class ArgoCdChecks
{
    public const string InClusterServer = "https://kubernetes.default.svc";
    public const string PlatformProject = "platform";
    public const string Placeholder = "set-by-configure";

    /// <summary>Namespaced kinds only the platform project may deploy: the environment app must not weaken them.</summary>
    public static readonly IReadOnlyList<(string Group, string Kind)> GuardrailKinds =
        [("", "ResourceQuota"), ("", "LimitRange"), ("networking.k8s.io", "NetworkPolicy")];

    /// <summary>Applications of this repository that the platform owns, with the one path each may deploy.</summary>
    public static readonly IReadOnlyDictionary<string, string> PlatformSourcePaths = new Dictionary<string, string>
    {
        ["platform-root"] = "argocd/apps",
        ["kyverno-policies"] = "kyverno",
        ["addon-cert-manager-issuers"] = "argocd/addons/cert-manager/issuers",
    };

    public static IReadOnlyList<string> All(IReadOnlyList<ManifestObject> objects, IReadOnlyList<string> environments) =>
        [.. EnvironmentIsolation(objects, environments), .. GuardrailApplications(objects, environments), .. PlatformSources(objects),
         .. PinnedRevisions(objects), .. ProjectWildcards(objects), .. SyncPolicies(objects, environments), .. ServerSideOptions(objects)];

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
            findings.AddRange(TargetsOnly(app, env, $"k8s/overlays/{env}/app"));

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

    /// <summary>An environment's Application deploys one path of this repository into namespace env of the in-cluster server.</summary>
    private static IEnumerable<string> TargetsOnly(ManifestObject app, string env, string path)
    {
        if ((string?)app.At("spec.destination.namespace") != env)
            yield return $"Application {app.Name} targets namespace '{app.At("spec.destination.namespace")}', not {env}.";
        if ((string?)app.At("spec.destination.server") != InClusterServer || app.At("spec.destination.name") is not null)
            yield return $"Application {app.Name} must target the in-cluster server {InClusterServer} (by server URL only).";
        if (app.At("spec.sources") is not null)
            yield return $"Application {app.Name} must have a single source (spec.source), not spec.sources.";
        if ((string?)app.At("spec.source.path") != path)
            yield return $"Application {app.Name} deploys path '{app.At("spec.source.path")}', not {path}.";
    }

    /// <summary>
    /// Each guardrails-&lt;env&gt; Application deploys k8s/overlays/&lt;env&gt;/guardrails into exactly namespace
    /// &lt;env&gt; of the in-cluster server, in the platform project, from the same revision as env-&lt;env&gt;. It
    /// syncs automatically with self-heal in every environment (acc included: its revision is the reviewed
    /// gitops.accRevision, and a guardrail weakened by hand must come back at once), but never prunes: removing a
    /// Namespace or a default-deny policy is a deliberate act. acc's guardrails cannot be pruned by the root app either.
    /// </summary>
    public static IReadOnlyList<string> GuardrailApplications(IReadOnlyList<ManifestObject> objects, IReadOnlyList<string> environments)
    {
        var findings = new List<string>();
        foreach (var env in environments)
        {
            var name = "guardrails-" + env;
            var app = objects.SingleOrDefault(o => o.Kind == "Application" && o.Name == name);
            if (app is null) { findings.Add($"Application {name} is missing: the {env} namespace would have no guardrails."); continue; }

            if ((string?)app.At("spec.project") != PlatformProject)
                findings.Add($"Application {name} uses project '{app.At("spec.project")}', not {PlatformProject} (the guardrails are platform-owned).");
            findings.AddRange(TargetsOnly(app, env, $"k8s/overlays/{env}/guardrails"));

            var automated = app.At("spec.syncPolicy.automated") as JObject;
            if (automated is null || (bool?)automated["enabled"] == false || (bool?)automated["selfHeal"] != true)
                findings.Add($"Application {name} must sync automatically with selfHeal: a guardrail changed by hand must come back.");
            else if ((bool?)automated["prune"] != false)
                findings.Add($"Application {name} must not prune automatically (automated.prune: false): deleting the {env} Namespace " +
                    "or its default-deny policy must be a deliberate act.");
            if (env == PolicyChecks.AccNamespace
                && ((string?)app.At("metadata.annotations['argocd.argoproj.io/sync-options']"))?.Contains("Prune=false") != true)
                findings.Add($"Application {name} needs the annotation argocd.argoproj.io/sync-options: Prune=false (the root app must never prune acc).");

            var envApp = objects.SingleOrDefault(o => o.Kind == "Application" && o.Name == "env-" + env);
            if (envApp is not null && (string?)envApp.At("spec.source.targetRevision") != (string?)app.At("spec.source.targetRevision"))
                findings.Add($"Application {name} follows revision '{app.At("spec.source.targetRevision")}', env-{env} follows " +
                    $"'{envApp.At("spec.source.targetRevision")}': an environment and its guardrails move together.");
        }
        return findings;
    }

    /// <summary>The platform's own Applications of this repository deploy exactly their folder, in the platform project.</summary>
    public static IReadOnlyList<string> PlatformSources(IReadOnlyList<ManifestObject> objects)
    {
        var findings = new List<string>();
        foreach (var (name, path) in PlatformSourcePaths)
        {
            var app = objects.SingleOrDefault(o => o.Kind == "Application" && o.Name == name);
            if (app is null) { findings.Add($"Application {name} is missing."); continue; }
            if ((string?)app.At("spec.project") != PlatformProject)
                findings.Add($"Application {name} uses project '{app.At("spec.project")}', not {PlatformProject}.");
            if (app.At("spec.sources") is not null || (string?)app.At("spec.source.path") != path)
                findings.Add($"Application {name} must deploy exactly path '{path}' (single source); it deploys '{app.At("spec.source.path")}'.");
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
                var windows = (project?.At("spec.syncWindows") as JArray)?.OfType<JObject>().ToList() ?? [];
                if (!windows.Any(w => (string?)w["kind"] == "allow" && AppliesTo(w, app.Name, env)))
                    findings.Add("AppProject env-acc needs an allow sync window that applies to env-acc (applications: [env-acc] or " +
                        "namespaces: [acc]): acc syncs only inside it; a window that names neither restricts nothing.");
                if (((string?)app.At("metadata.annotations['argocd.argoproj.io/sync-options']"))?.Contains("Prune=false") != true)
                    findings.Add("Application env-acc needs the annotation argocd.argoproj.io/sync-options: Prune=false (the root app must never prune acc).");
            }
            else if (automated is null || (bool?)automated["prune"] != true || (bool?)automated["selfHeal"] != true)
            {
                findings.Add($"Application env-{env} must sync automatically with prune and selfHeal.");
            }
        }
        return findings;
    }

    /// <summary>
    /// Every Application applies server-side (ServerSideApply=true) and diffs server-side (ServerSideDiff=true), so
    /// defaults set by the API server are not drift; the environment and guardrail Applications also include mutating
    /// webhooks in the diff (IncludeMutationWebhook=true), so fields Kyverno or the API server set on admission are not
    /// drift either. The platform's charts and policies are not mutated by admission webhooks, so any change there shows.
    /// </summary>
    public static IReadOnlyList<string> ServerSideOptions(IReadOnlyList<ManifestObject> objects)
    {
        var findings = new List<string>();
        foreach (var app in objects.Where(o => o.Kind == "Application"))
        {
            if (!Strings(app.At("spec.syncPolicy.syncOptions")).Contains("ServerSideApply=true"))
                findings.Add($"Application {app.Name} must use the sync option ServerSideApply=true.");
            var compare = ((string?)app.At("metadata.annotations['argocd.argoproj.io/compare-options']") ?? "")
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (!compare.Contains("ServerSideDiff=true"))
                findings.Add($"Application {app.Name} must compare with argocd.argoproj.io/compare-options: ServerSideDiff=true.");
            if ((app.Name.StartsWith("env-", StringComparison.Ordinal) || app.Name.StartsWith("guardrails-", StringComparison.Ordinal))
                && !compare.Contains("IncludeMutationWebhook=true"))
                findings.Add($"Application {app.Name} must compare with IncludeMutationWebhook=true (objects mutated on admission stay in sync).");
        }
        return findings;
    }

    /// <summary>Whether a sync window names the Application (or its namespace); Argo CD allows * and ? in both lists.</summary>
    public static bool AppliesTo(JObject window, string application, string ns) =>
        Strings(window["applications"]).Any(p => Glob(p, application)) || Strings(window["namespaces"]).Any(p => Glob(p, ns));

    private static bool Glob(string pattern, string value) =>
        Regex.IsMatch(value, "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$");

    private static bool IsWildcard(string value) => value.Contains('*') || value.Contains('?') || value.StartsWith('!');

    private static List<string> Strings(JToken? token) =>
        (token as JArray)?.Select(t => (string?)t ?? "").ToList() ?? [];

    [GeneratedRegex(@"^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex ExactVersion();
}
