using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using Platform.Build.Validation;

namespace Platform.Build.Environments;

/// <summary>One broken rule: which rule, on which object, and what is wrong.</summary>
public sealed record RuleFinding(string Rule, string Subject, string Message)
{
    public override string ToString() => $"[{Rule}] {Subject}: {Message}";
}

/// <summary>What the hardening rules compare against: the environment and the registries named in settings.</summary>
public sealed record HardeningOptions(string Environment, IReadOnlyList<string> AllowedRegistries, string ProjectRegistry)
{
    /// <summary>The uid/gid/fsGroup each known workload must run as (by app.kubernetes.io/name).</summary>
    public IReadOnlyDictionary<string, long> ExpectedIds { get; init; } = new Dictionary<string, long> { ["wordpress"] = 33, ["pg-db"] = 999 };

    /// <summary>Paths that must be writable emptyDirs (or, for uploads, a volume) while the root filesystem is read-only.</summary>
    public IReadOnlyDictionary<string, string[]> WritablePaths { get; init; } = new Dictionary<string, string[]>
    {
        ["wordpress"] = ["/tmp", "/var/run/apache2", "/var/lock/apache2", "/var/www/wordpress/wp-content/uploads"],
        ["pg-db"] = ["/var/run/postgresql", "/tmp", "/dev/shm"],
    };

    /// <summary>The Secret workloads read their database credentials from (generated at deploy time, never in Git).</summary>
    public string CredentialsSecret { get; init; } = "pg-db-credentials";

    public int MinimumPostgresGraceSeconds { get; init; } = 60;

    public static HardeningOptions From(Settings.PlatformSettings settings, string environment) =>
        new(environment, settings.GetList("images.allowedRegistries"), EnvironmentConfiguration.Registry(settings));
}

/// <summary>
/// The "Hardening" rules of every environment as code, checked on rendered objects. Each rule has a stable id so a
/// test (or an auditor) can see which rule an object breaks. Returns no findings when everything holds.
/// </summary>
public static partial class HardeningRules
{
    public const string Labels = "labels";
    public const string RunAsNonRoot = "run-as-non-root";
    public const string RunAsIds = "run-as-ids";
    public const string NoPrivilegeEscalation = "no-privilege-escalation";
    public const string DropAllCapabilities = "drop-all-capabilities";
    public const string SeccompRuntimeDefault = "seccomp-runtime-default";
    public const string ReadOnlyRoot = "read-only-root";
    public const string WritablePaths = "writable-paths";
    public const string ResourceBounds = "resources";
    public const string Probes = "probes";
    public const string GracefulShutdown = "graceful-shutdown";
    public const string PgdataSubdirectory = "pgdata-subdirectory";
    public const string ServiceAccounts = "service-account";
    public const string Images = "images";
    public const string Secrets = "secrets";

    public static readonly string[] AllRules =
    [
        Labels, RunAsNonRoot, RunAsIds, NoPrivilegeEscalation, DropAllCapabilities, SeccompRuntimeDefault, ReadOnlyRoot,
        WritablePaths, ResourceBounds, Probes, GracefulShutdown, PgdataSubdirectory, ServiceAccounts, Images, Secrets,
    ];

    /// <summary>wordpress-pg's probe endpoint (images/wordpress-pg/healthz.php): SELECT 1 through PHP's pgsql extension.</summary>
    public const string WordPressDatabaseCheck = "/healthz.php";

    /// <summary>The same endpoint without the database: Apache and PHP answer.</summary>
    public const string WordPressPhpCheck = "/healthz.php?check=php";

    /// <summary>Annotation that justifies a CPU limit on a workload (CPU limits are the exception, see docs).</summary>
    public const string CpuLimitReasonAnnotation = "seed.platform/cpu-limit-reason";

    public static readonly string[] RequiredLabels =
        ["app.kubernetes.io/part-of", "app.kubernetes.io/name", "app.kubernetes.io/component", "app.kubernetes.io/instance", "environment"];

    [GeneratedRegex("(PASSWORD|PASSWD|SECRET|TOKEN|_KEY|SALT|_USER$)", RegexOptions.IgnoreCase)]
    private static partial Regex CredentialName();

    public static IReadOnlyList<RuleFinding> Check(IReadOnlyList<ManifestObject> objects, HardeningOptions options)
    {
        var findings = new List<RuleFinding>();
        void Add(string rule, string subject, string message) => findings.Add(new(rule, subject, message));

        foreach (var o in objects)
        {
            CheckLabels(o.Id, o.At("metadata.labels") as JObject, options, Add);
            if (o.Kind == "Secret" && (HasEntries(o.At("data")) || HasEntries(o.At("stringData"))))
                Add(Secrets, o.Id, "a Secret with data is in the rendered output; secrets are generated at deploy time, never kept in Git.");
        }

        var workloads = Workloads.In(objects).ToList();
        foreach (var w in workloads) CheckWorkload(w, objects, options, Add);

        foreach (var shared in workloads.GroupBy(w => (string?)Workloads.PodSpec(w)["serviceAccountName"] ?? "default").Where(g => g.Count() > 1))
            Add(ServiceAccounts, string.Join(", ", shared.Select(w => w.Id)),
                $"share the ServiceAccount '{shared.Key}'; each workload needs its own.");
        return findings;
    }

    private static void CheckWorkload(ManifestObject w, IReadOnlyList<ManifestObject> objects, HardeningOptions options,
        Action<string, string, string> add)
    {
        var template = Workloads.PodTemplate(w) ?? new JObject();
        var pod = Workloads.PodSpec(w);
        var podSc = pod["securityContext"] as JObject ?? new JObject();
        var app = Workloads.AppName(w);
        if (w.Kind != "Pod") CheckLabels(w.Id + " pod template", template["metadata"]?["labels"] as JObject, options, add);

        // Service account: dedicated, existing, no token.
        if ((bool?)pod["automountServiceAccountToken"] != false)
            add(ServiceAccounts, w.Id, "automountServiceAccountToken must be false on the pod spec.");
        var saName = (string?)pod["serviceAccountName"];
        if (saName is null or "default")
            add(ServiceAccounts, w.Id, "uses the namespace's default ServiceAccount; give it a dedicated one.");
        else
        {
            var sa = objects.FirstOrDefault(o => o.Kind == "ServiceAccount" && o.Name == saName);
            if (sa is null) add(ServiceAccounts, w.Id, $"ServiceAccount '{saName}' is not part of the environment.");
            else if ((bool?)sa.At("automountServiceAccountToken") != false)
                add(ServiceAccounts, sa.Id, "automountServiceAccountToken must be false on the ServiceAccount.");
        }

        // Pod-level identity.
        if (podSc["fsGroup"] is null) add(RunAsIds, w.Id, "securityContext.fsGroup is not set.");
        if (podSc["seccompProfile"] is null && Workloads.Containers(w).Any(c => c.Container["securityContext"]?["seccompProfile"] is null))
            add(SeccompRuntimeDefault, w.Id, "no seccompProfile on the pod or a container.");
        var expectedId = options.ExpectedIds.TryGetValue(app, out var id) ? id : (long?)null;
        var fsGroup = (long?)podSc["fsGroup"];
        if (fsGroup == 0) add(RunAsIds, w.Id, "fsGroup is 0 (root group): volumes would be group-owned by root.");
        else if (expectedId is { } e && fsGroup is { } g && g != e)
            add(RunAsIds, w.Id, $"fsGroup is {g}, expected {e} for {app}.");

        foreach (var c in Workloads.Containers(w)) CheckContainer(c, podSc, expectedId, app, options, add);

        CheckWritablePaths(w, pod, app, options, add);
        CheckDatabase(w, pod, add, options);

        // Credentials come from the named Secret only.
        var secretRefs = Workloads.Containers(w).SelectMany(c => (c.Container["env"] as JArray ?? []).OfType<JObject>())
            .Select(v => (string?)v["valueFrom"]?["secretKeyRef"]?["name"]).OfType<string>().ToHashSet();
        if (options.ExpectedIds.ContainsKey(app) && !secretRefs.Contains(options.CredentialsSecret))
            add(Secrets, w.Id, $"does not take its database credentials from the Secret '{options.CredentialsSecret}'.");
    }

    private static void CheckContainer(ContainerRef c, JObject podSc, long? expectedId, string app, HardeningOptions options,
        Action<string, string, string> add)
    {
        var sc = c.Container["securityContext"] as JObject ?? new JObject();
        JToken? Effective(string key) => sc[key] ?? podSc[key];
        var subject = c.ToString();

        if ((bool?)Effective("runAsNonRoot") != true) add(RunAsNonRoot, subject, "runAsNonRoot is not true.");
        foreach (var key in new[] { "runAsUser", "runAsGroup" })
        {
            var value = (long?)Effective(key);
            if (value is null) add(RunAsIds, subject, $"{key} is not set explicitly.");
            else if (value == 0) add(RunAsIds, subject, $"{key} is 0 (root).");
            else if (expectedId is { } e && value != e) add(RunAsIds, subject, $"{key} is {value}, expected {e} for {app}.");
        }
        if ((bool?)sc["allowPrivilegeEscalation"] != false) add(NoPrivilegeEscalation, subject, "allowPrivilegeEscalation is not false.");
        var drop = (sc["capabilities"]?["drop"] as JArray ?? []).Select(t => (string?)t).ToList();
        if (!drop.Contains("ALL")) add(DropAllCapabilities, subject, "capabilities.drop does not contain ALL.");
        if (sc["capabilities"]?["add"] is JArray { Count: > 0 } added)
            add(DropAllCapabilities, subject, $"adds capabilities {string.Join(", ", added)}.");
        var seccomp = (string?)Effective("seccompProfile")?["type"];
        if (seccomp is not ("RuntimeDefault" or "Localhost")) add(SeccompRuntimeDefault, subject, $"seccompProfile.type is '{seccomp ?? "unset"}', not RuntimeDefault.");
        if ((bool?)sc["readOnlyRootFilesystem"] != true) add(ReadOnlyRoot, subject, "readOnlyRootFilesystem is not true.");

        // Resources: requests for both, a memory limit always, a CPU limit only with a stated reason.
        var res = c.Container["resources"] as JObject;
        foreach (var r in new[] { "cpu", "memory" })
            if (res?["requests"]?[r] is null) add(ResourceBounds, subject, $"no {r} request.");
        if (res?["limits"]?["memory"] is null) add(ResourceBounds, subject, "no memory limit.");
        if (res?["limits"]?["cpu"] is not null && c.Workload.At($"metadata.annotations['{CpuLimitReasonAnnotation}']") is null)
            add(ResourceBounds, subject, $"has a CPU limit without the '{CpuLimitReasonAnnotation}' annotation saying why.");

        // Images: explicit registry from settings, pinned tag or digest, never latest.
        CheckImage(subject, c.Image, options, add);

        // Credentials: never as literal values.
        foreach (var v in (c.Container["env"] as JArray ?? []).OfType<JObject>())
        {
            var name = (string?)v["name"] ?? "";
            if (CredentialName().IsMatch(name) && v["valueFrom"]?["secretKeyRef"] is null)
                add(Secrets, subject, $"environment variable {name} is not read from a Secret.");
        }

        if (c.Init) return;
        foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
            if (c.Container[probe] is null) add(Probes, subject, $"no {probe}.");
        if (app == "pg-db")
            foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
                if (c.Container[probe] is JObject p && !(p["exec"]?["command"] as JArray ?? []).Any(t => ((string?)t ?? "").Contains("pg_isready", StringComparison.Ordinal)))
                    add(Probes, subject, $"{probe} does not run pg_isready.");
        if (app == "wordpress") CheckWordPressProbes(c, subject, add);
    }

    /// <summary>
    /// wordpress: startup and readiness prove that PHP reaches the database (a pod that cannot serve pages gets no
    /// traffic); liveness checks Apache and PHP only, so a database outage makes the pods unready instead of
    /// restarting all of them at once (a restart cannot fix the database).
    /// </summary>
    private static void CheckWordPressProbes(ContainerRef c, string subject, Action<string, string, string> add)
    {
        foreach (var probe in new[] { "startupProbe", "readinessProbe" })
            if (c.Container[probe] is JObject p && (string?)p["httpGet"]?["path"] != WordPressDatabaseCheck)
                add(Probes, subject, $"{probe} is not the HTTP database check {WordPressDatabaseCheck} (PHP -> PostgreSQL).");
        if (c.Container["livenessProbe"] is JObject live && (string?)live["httpGet"]?["path"] != WordPressPhpCheck)
            add(Probes, subject, $"livenessProbe is not the PHP-only check {WordPressPhpCheck}; a liveness check that needs " +
                                 "the database restarts every pod during a database outage, one that skips PHP misses a hung PHP.");
    }

    private static void CheckWritablePaths(ManifestObject w, JObject pod, string app, HardeningOptions options,
        Action<string, string, string> add)
    {
        var volumes = (pod["volumes"] as JArray ?? []).OfType<JObject>().ToDictionary(v => (string?)v["name"] ?? "");
        var claimTemplates = (w.At("spec.volumeClaimTemplates") as JArray ?? []).OfType<JObject>()
            .Select(t => (string?)t["metadata"]?["name"]).OfType<string>().ToHashSet();
        foreach (var v in volumes.Values.Where(v => v["emptyDir"] is JObject))
            if (v["emptyDir"]?["sizeLimit"] is null)
                add(WritablePaths, w.Id, $"emptyDir '{v["name"]}' has no sizeLimit.");
        if (!options.WritablePaths.TryGetValue(app, out var paths)) return;
        var mounts = Workloads.Containers(w).Where(c => !c.Init)
            .SelectMany(c => (c.Container["volumeMounts"] as JArray ?? []).OfType<JObject>()).ToList();
        foreach (var path in paths)
        {
            var mount = mounts.FirstOrDefault(m => (string?)m["mountPath"] == path);
            var volumeName = (string?)mount?["name"] ?? "";
            volumes.TryGetValue(volumeName, out var volume);
            var isUploads = path.EndsWith("/uploads", StringComparison.Ordinal);
            var ok = volume?["emptyDir"] is JObject || isUploads && (volume?["persistentVolumeClaim"] is JObject || claimTemplates.Contains(volumeName));
            if (mount is null || !ok || (bool?)mount["readOnly"] == true)
                add(WritablePaths, w.Id, $"{path} is not a writable emptyDir{(isUploads ? " or volume" : "")} mount.");
            if (path == "/dev/shm" && volume?["emptyDir"] is JObject shm &&
                ((string?)shm["medium"] != "Memory" || shm["sizeLimit"] is null))
                add(WritablePaths, w.Id, "/dev/shm must be a memory-backed emptyDir with a sizeLimit.");
        }
    }

    private static void CheckDatabase(ManifestObject w, JObject pod, Action<string, string, string> add, HardeningOptions options)
    {
        foreach (var c in Workloads.Containers(w).Where(c => !c.Init))
        {
            var env = (c.Container["env"] as JArray ?? []).OfType<JObject>().ToList();
            var isPostgres = Workloads.AppName(w) == "pg-db" || env.Any(v => ((string?)v["name"])?.StartsWith("POSTGRES_", StringComparison.Ordinal) == true);
            if (!isPostgres) continue;
            var grace = (long?)pod["terminationGracePeriodSeconds"] ?? 30;
            if (grace < options.MinimumPostgresGraceSeconds)
                add(GracefulShutdown, c.ToString(), $"terminationGracePeriodSeconds is {grace}; PostgreSQL needs at least {options.MinimumPostgresGraceSeconds} s to shut down cleanly.");
            if (c.Container["lifecycle"]?["preStop"] is null)
                add(GracefulShutdown, c.ToString(), "no preStop hook asking PostgreSQL for a fast shutdown.");

            var pgdata = (string?)env.FirstOrDefault(v => (string?)v["name"] == "PGDATA")?["value"];
            var mounts = (c.Container["volumeMounts"] as JArray ?? []).OfType<JObject>().Select(m => ((string?)m["mountPath"] ?? "").TrimEnd('/')).ToList();
            if (pgdata is null)
                add(PgdataSubdirectory, c.ToString(), "PGDATA is not set.");
            else if (!mounts.Any(m => pgdata.StartsWith(m + "/", StringComparison.Ordinal) && pgdata.Length > m.Length + 1))
                add(PgdataSubdirectory, c.ToString(), $"PGDATA '{pgdata}' is not a subdirectory of a volume mount.");
        }
    }

    internal static void CheckImage(string subject, string image, HardeningOptions options, Action<string, string, string> add)
    {
        var reference = ImageReference.Parse(image);
        if (!reference.ExplicitRegistry)
            add(Images, subject, $"image '{image}' does not name its registry; write it in full (e.g. docker.io/library/...).");
        else if (!options.AllowedRegistries.Contains(reference.Registry, StringComparer.OrdinalIgnoreCase))
            add(Images, subject, $"image '{image}' comes from '{reference.Registry}', not one of images.allowedRegistries ({string.Join(", ", options.AllowedRegistries)}).");
        if (reference.Digest is null && (reference.Tag is null || reference.Tag == "latest"))
            add(Images, subject, $"image '{image}' is not pinned: give a version tag (not latest) or a digest.");
        if (reference.Repository.EndsWith("/" + EnvironmentConfiguration.ProjectImage, StringComparison.Ordinal) &&
            !image.StartsWith(options.ProjectRegistry + "/", StringComparison.Ordinal))
            add(Images, subject, $"the project image '{image}' is not under images.registry '{options.ProjectRegistry}'.");
    }

    private static void CheckLabels(string subject, JObject? labels, HardeningOptions options, Action<string, string, string> add)
    {
        foreach (var key in RequiredLabels)
            if (string.IsNullOrEmpty((string?)labels?[key])) add(Labels, subject, $"label {key} is missing.");
        if ((string?)labels?["environment"] is { } env && env != options.Environment)
            add(Labels, subject, $"label environment is '{env}', expected '{options.Environment}'.");
        if ((string?)labels?["app.kubernetes.io/part-of"] is { } partOf && partOf != "seed")
            add(Labels, subject, $"label app.kubernetes.io/part-of is '{partOf}', expected 'seed'.");
    }

    private static bool HasEntries(JToken? token) => token is JObject o && o.HasValues;
}

/// <summary>An image reference split the way container runtimes read it.</summary>
public sealed record ImageReference(string Registry, bool ExplicitRegistry, string Repository, string? Tag, string? Digest)
{
    public static ImageReference Parse(string image)
    {
        string? digest = null;
        var rest = image;
        var at = rest.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0) { digest = rest[(at + 1)..]; rest = rest[..at]; }
        string? tag = null;
        var colon = rest.LastIndexOf(':');
        if (colon > rest.LastIndexOf('/')) { tag = rest[(colon + 1)..]; rest = rest[..colon]; }
        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? "" : rest[..slash];
        var explicitRegistry = slash >= 0 && (first.Contains('.') || first.Contains(':') || first == "localhost");
        return explicitRegistry
            ? new(first, true, rest, tag, digest)
            : new("docker.io", false, rest, tag, digest);
    }

    public bool HasValidDigest => Digest is { } d && Regex.IsMatch(d, "^sha256:[0-9a-f]{64}$");
}
