using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.GitOps;

/// <summary>What the cluster does when a policy's rule fails in a namespace.</summary>
public enum PolicyAction { NotMatched, Audit, Deny }

/// <summary>A rule of a Kyverno policy that an object breaks, with the action Kyverno would take in its namespace.</summary>
public sealed record PolicyViolation(string Policy, string Object, string Namespace, PolicyAction Action, string Message)
{
    public override string ToString() => $"{Policy} ({Action}): {Object} in {Namespace}: {Message}";
}

/// <summary>
/// The offline twin of each policy in kyverno/: the same rule in C#, over rendered manifests, for machines without the
/// kyverno CLI. Each method carries the name of its policy folder; tests prove the twin agrees with every expected
/// result of that policy's `kyverno test` case, so the two cannot drift apart silently.
/// </summary>
public static class PolicyChecks
{
    public const string PodSecurityRestricted = "pod-security-restricted";
    public const string RequireRequestsLimits = "require-requests-limits";
    public const string RequireProbes = "require-probes";
    public const string DisallowLatestTag = "disallow-latest-tag";
    public const string RestrictImageRegistries = "restrict-image-registries";
    public const string RequireImageDigest = "require-image-digest";
    public const string DisallowDefaultNamespace = "disallow-default-namespace";
    public const string ArgoCdNoDefaultProject = "argocd-no-default-project";
    public const string GenerateDefaultDeny = "generate-default-deny";

    /// <summary>Every validating policy with an offline twin.</summary>
    public static readonly IReadOnlyList<string> ValidatingPolicies =
    [
        PodSecurityRestricted, RequireRequestsLimits, RequireProbes, DisallowLatestTag, RestrictImageRegistries,
        RequireImageDigest, DisallowDefaultNamespace, ArgoCdNoDefaultProject,
    ];

    /// <summary>Namespaces every workload policy leaves alone (by name), so platform components are never blocked.</summary>
    public static readonly IReadOnlyList<string> SystemNamespaces =
    [
        "kube-system", "kube-public", "kube-node-lease", "kyverno", "argocd", "calico-system", "calico-apiserver",
        "tigera-operator", "traefik", "cert-manager", "local-path-storage",
    ];

    /// <summary>Policies that deny in test and acc but only audit in dev (kyverno/dev-audit).</summary>
    public static readonly IReadOnlyList<string> AuditInDev = [RequireRequestsLimits, RequireProbes];

    public const string DevAuditSuffix = "-dev-audit";

    /// <summary>Every validating policy the cluster gets: the originals and the dev Audit copies (kyverno/dev-audit).</summary>
    public static readonly IReadOnlyList<string> DeployedValidatingPolicies =
        [.. ValidatingPolicies, .. AuditInDev.Select(p => p + DevAuditSuffix)];

    public const string DevNamespace = "dev";
    public const string AccNamespace = "acc";

    private static readonly string[] WorkloadKinds = ["Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"];
    private static readonly string[] LongRunningKinds = ["Deployment", "StatefulSet", "DaemonSet"];

    /// <summary>What Kyverno does for <paramref name="policy"/> with an object of <paramref name="kind"/> in <paramref name="ns"/>.</summary>
    public static PolicyAction ActionFor(string policy, string kind, string ns)
    {
        if (policy.EndsWith(DevAuditSuffix, StringComparison.Ordinal))
        {
            var original = policy[..^DevAuditSuffix.Length];
            return ns == DevNamespace && ActionFor(original, kind, "test") != PolicyAction.NotMatched ? PolicyAction.Audit : PolicyAction.NotMatched;
        }
        if (policy == ArgoCdNoDefaultProject) return kind == "Application" ? PolicyAction.Deny : PolicyAction.NotMatched;
        var kinds = policy == RequireProbes ? LongRunningKinds : WorkloadKinds;
        if (!kinds.Contains(kind) || SystemNamespaces.Contains(ns)) return PolicyAction.NotMatched;
        if (policy == RequireImageDigest) return ns == AccNamespace ? PolicyAction.Deny : PolicyAction.NotMatched;
        if (ns == DevNamespace && AuditInDev.Contains(policy)) return PolicyAction.NotMatched; // the -dev-audit copy covers dev
        return PolicyAction.Deny;
    }

    /// <summary>
    /// Runs the twin of every deployed validating policy (dev Audit copies included) over <paramref name="objects"/>. Objects without a namespace are placed in
    /// <paramref name="defaultNamespace"/> (Argo CD's destination namespace), or "default" as kubectl would.
    /// </summary>
    public static IReadOnlyList<PolicyViolation> Check(IEnumerable<ManifestObject> objects, IReadOnlyList<string> allowedRegistries,
        string? defaultNamespace = null)
    {
        var violations = new List<PolicyViolation>();
        foreach (var obj in objects)
            foreach (var policy in DeployedValidatingPolicies)
                violations.AddRange(Evaluate(policy, obj, allowedRegistries, defaultNamespace) ?? []);
        return violations;
    }

    /// <summary>The violations of one policy for one object; null when the policy does not match it (Kyverno's "skip").</summary>
    public static IReadOnlyList<PolicyViolation>? Evaluate(string policy, ManifestObject obj, IReadOnlyList<string> allowedRegistries,
        string? defaultNamespace = null)
    {
        var ns = obj.Namespace ?? defaultNamespace ?? "default";
        var action = ActionFor(policy, obj.Kind, ns);
        if (action == PolicyAction.NotMatched) return null;
        var messages = (policy.EndsWith(DevAuditSuffix, StringComparison.Ordinal) ? policy[..^DevAuditSuffix.Length] : policy) switch
        {
            PodSecurityRestricted => PodSecurity(PodSpecOf(obj)),
            RequireRequestsLimits => RequestsAndLimits(PodSpecOf(obj)),
            RequireProbes => Probes(PodSpecOf(obj)),
            DisallowLatestTag => LatestTag(PodSpecOf(obj)),
            RestrictImageRegistries => Registries(PodSpecOf(obj), allowedRegistries),
            RequireImageDigest => Digests(PodSpecOf(obj)),
            DisallowDefaultNamespace => ns == "default" ? ["Workloads are not allowed in the default namespace."] : [],
            ArgoCdNoDefaultProject => DefaultProject(obj),
            _ => throw new ArgumentException($"'{policy}' is not a validating policy with an offline check.", nameof(policy)),
        };
        return [.. messages.Select(m => new PolicyViolation(policy, $"{obj.Kind}/{obj.Name}", ns, action, m))];
    }

    /// <summary>
    /// Twin of generate-default-deny over rendered manifests: every non-system Namespace must carry a default-deny
    /// NetworkPolicy (empty pod selector, Ingress and Egress, no allow rules), so nothing depends on the backstop.
    /// </summary>
    public static IReadOnlyList<PolicyViolation> NamespacesWithoutDefaultDeny(IReadOnlyList<ManifestObject> objects)
    {
        var denied = objects.Where(o => o.Kind == "NetworkPolicy" && IsDefaultDeny(o.Body)).Select(o => o.Namespace).ToHashSet();
        return [.. objects.Where(o => o.Kind == "Namespace" && !SystemNamespaces.Contains(o.Name) && o.Name != "default" && !denied.Contains(o.Name))
            .Select(o => new PolicyViolation(GenerateDefaultDeny, $"Namespace/{o.Name}", o.Name, PolicyAction.Audit,
                "has no default-deny NetworkPolicy (ingress and egress); Kyverno's backstop would have to create it."))];
    }

    public static bool IsDefaultDeny(JObject networkPolicy)
    {
        var spec = networkPolicy["spec"] as JObject;
        if (spec?["podSelector"] is not JObject selector || selector.Properties().Any(p => p.Value.HasValues)) return false;
        var types = (spec["policyTypes"] as JArray)?.Select(t => (string?)t).ToList() ?? [];
        return types.Contains("Ingress") && types.Contains("Egress") && !HasItems(spec["ingress"]) && !HasItems(spec["egress"]);
    }

    /// <summary>The pod template of a workload (Pod, controllers, CronJob), as the policies' podSpec variable selects it.</summary>
    public static JObject PodSpecOf(ManifestObject obj) =>
        (obj.Kind switch
        {
            "Pod" => obj.Body["spec"],
            "CronJob" => obj.Body.SelectToken("spec.jobTemplate.spec.template.spec"),
            _ => obj.Body.SelectToken("spec.template.spec"),
        }) as JObject ?? new JObject();

    /// <summary>containers, initContainers and ephemeralContainers, as the policies' containers variable.</summary>
    public static IEnumerable<JObject> AllContainers(JObject podSpec) =>
        new[] { "containers", "initContainers", "ephemeralContainers" }
            .SelectMany(k => (podSpec[k] as JArray)?.OfType<JObject>() ?? []);

    // ---- pod-security-restricted
    private static IEnumerable<string> PodSecurity(JObject spec)
    {
        if (IsTrue(spec["hostNetwork"]) || IsTrue(spec["hostPID"]) || IsTrue(spec["hostIPC"]))
            yield return "Host namespaces (hostNetwork, hostPID, hostIPC) are not allowed.";
        if ((spec["volumes"] as JArray)?.OfType<JObject>().Any(v => v["hostPath"] is not null) == true)
            yield return "hostPath volumes are not allowed.";
        var podContext = spec["securityContext"] as JObject;
        foreach (var c in AllContainers(spec))
        {
            var name = (string?)c["name"];
            var context = c["securityContext"] as JObject;
            if (IsTrue(context?["privileged"])) yield return $"Container {name}: privileged is not allowed.";
            if (context?["allowPrivilegeEscalation"]?.Type != JTokenType.Boolean || (bool)context["allowPrivilegeEscalation"]!)
                yield return $"Container {name}: allowPrivilegeEscalation must be false.";
            var nonRoot = context?["runAsNonRoot"] ?? podContext?["runAsNonRoot"];
            if (!IsTrue(nonRoot)) yield return $"Container {name}: must run as non-root (runAsNonRoot true).";
            if (IsZero(context?["runAsUser"])) yield return $"Container {name}: runAsUser 0 is not allowed.";
            var capabilities = context?["capabilities"] as JObject;
            var drop = (capabilities?["drop"] as JArray)?.Select(t => (string?)t) ?? [];
            var add = (capabilities?["add"] as JArray)?.Select(t => (string?)t) ?? [];
            if (!drop.Contains("ALL") || add.Any(a => a != "NET_BIND_SERVICE"))
                yield return $"Container {name}: must drop ALL capabilities and may add only NET_BIND_SERVICE.";
            var seccomp = (string?)(context?["seccompProfile"] ?? podContext?["seccompProfile"])?["type"];
            if (seccomp is not ("RuntimeDefault" or "Localhost"))
                yield return $"Container {name}: seccompProfile must be RuntimeDefault or Localhost.";
        }
        if (IsZero(podContext?["runAsUser"])) yield return "Pod: runAsUser 0 is not allowed.";
    }

    // ---- require-requests-limits
    private static IEnumerable<string> RequestsAndLimits(JObject spec)
    {
        foreach (var c in AllContainers(spec))
        {
            var requests = c.SelectToken("resources.requests") as JObject;
            if (requests?["cpu"] is null || requests["memory"] is null)
                yield return $"Container {c["name"]}: must request cpu and memory.";
            if (c.SelectToken("resources.limits.memory") is null)
                yield return $"Container {c["name"]}: must set a memory limit.";
        }
    }

    // ---- require-probes (containers only: init containers have no probes)
    private static IEnumerable<string> Probes(JObject spec) =>
        ((spec["containers"] as JArray)?.OfType<JObject>() ?? [])
            .Where(c => c["livenessProbe"] is null || c["readinessProbe"] is null)
            .Select(c => $"Container {c["name"]}: must declare a livenessProbe and a readinessProbe.");

    // ---- disallow-latest-tag
    private static IEnumerable<string> LatestTag(JObject spec) =>
        Images(spec).Where(i => !HasPinnedTagOrDigest(i)).Select(i => $"Image {i}: use a tag other than 'latest', or a digest.");

    public static bool HasPinnedTagOrDigest(string image)
    {
        if (image.Contains('@')) return true;
        var lastSegment = image[(image.LastIndexOf('/') + 1)..];
        return lastSegment.Contains(':') && !image.EndsWith(":latest", StringComparison.Ordinal);
    }

    // ---- restrict-image-registries
    private static IEnumerable<string> Registries(JObject spec, IReadOnlyList<string> allowed) =>
        Images(spec).Where(i => !allowed.Contains(RegistryOf(i), StringComparer.Ordinal))
            .Select(i => $"Image {i}: registry {RegistryOf(i)} is not one of {string.Join(", ", allowed)}.");

    /// <summary>The registry host of an image reference; docker.io when the first segment is not a host.</summary>
    public static string RegistryOf(string image)
    {
        var slash = image.IndexOf('/');
        if (slash < 0) return "docker.io";
        var first = image[..slash];
        return first.Contains('.') || first.Contains(':') || first == "localhost" ? first : "docker.io";
    }

    // ---- require-image-digest
    private static IEnumerable<string> Digests(JObject spec) =>
        Images(spec).Where(i => !i.Contains("@sha256:", StringComparison.Ordinal)).Select(i => $"Image {i}: in acc images must be pinned by digest.");

    // ---- argocd-no-default-project
    private static IEnumerable<string> DefaultProject(ManifestObject app)
    {
        var project = (string?)app.At("spec.project");
        if (string.IsNullOrEmpty(project) || project == "default")
            yield return "Applications must not use the default project.";
    }

    private static IEnumerable<string> Images(JObject spec) =>
        AllContainers(spec).Select(c => (string?)c["image"] ?? "");

    private static bool IsTrue(JToken? token) => token?.Type == JTokenType.Boolean && (bool)token;
    private static bool IsZero(JToken? token) => token?.Type == JTokenType.Integer && (long)token == 0;
    private static bool HasItems(JToken? token) => token is JArray { Count: > 0 };
}
