using Newtonsoft.Json.Linq;
using Platform.Build.Environments;
using Platform.Build.Validation;

namespace Platform.Build.Tests.Environments;

/// <summary>
/// Every "Hardening" rule holds on the real render of every overlay, and each rule's check fails when the render is
/// mutated to break it (so the rule cannot pass by accident).
/// </summary>
[TestFixture]
public class HardeningRulesTests
{
    private static IEnumerable<string> Environments => Rendered.Environments;

    [TestCaseSource(nameof(Environments))]
    public void Every_rule_holds_on_the_rendered_environment(string env)
    {
        var findings = HardeningRules.Check(Rendered.Environment(env), Rendered.Options(env));
        Assert.That(findings, Is.Empty, string.Join("\n", findings));
    }

    [TestCaseSource(nameof(Environments))]
    public void The_environment_renders_both_workloads_in_its_own_namespace(string env)
    {
        var objects = Rendered.Environment(env);
        Assert.Multiple(() =>
        {
            Assert.That(objects.Select(o => $"{o.Kind}/{o.Name}"), Is.SupersetOf(new[]
            {
                $"Namespace/{env}", "Deployment/wordpress", "StatefulSet/pg-db", "Service/pg-db", "Service/pg-db-headless",
                "Service/wordpress", "Ingress/wordpress", "ServiceAccount/wordpress", "ServiceAccount/pg-db",
                "ResourceQuota/environment-quota", "LimitRange/environment-limits", "NetworkPolicy/default-deny", "NetworkPolicy/allow-dns",
            }));
            Assert.That(objects.Where(o => o.Kind != "Namespace").Select(o => o.Namespace).Distinct(), Is.EqualTo(new[] { env }));
            Assert.That(Rendered.Find(objects, "StatefulSet", "pg-db").At("spec.volumeClaimTemplates[0].spec.storageClassName")?.ToString(),
                Is.EqualTo("csi-cinder-sc-retain"), "Cinder by default in every environment; local-path is only the fallback component");
            Assert.That((string?)Rendered.Find(objects, "Ingress", "wordpress").At("spec.ingressClassName"), Is.EqualTo("traefik"));
            Assert.That((string?)Rendered.Find(objects, "Ingress", "wordpress").At("spec.rules[0].host"), Is.EqualTo($"wordpress.{env}.seed.example.org"));
        });
    }

    [TestCaseSource(nameof(Environments))]
    public void The_namespace_enforces_the_restricted_pod_security_standard(string env)
    {
        var labels = (JObject)Rendered.Find(Rendered.Environment(env), "Namespace", env).At("metadata.labels")!;
        foreach (var mode in new[] { "enforce", "audit", "warn" })
        {
            Assert.That((string?)labels[$"pod-security.kubernetes.io/{mode}"], Is.EqualTo("restricted"));
            Assert.That((string?)labels[$"pod-security.kubernetes.io/{mode}-version"], Is.EqualTo("v1.35"));
        }
    }

    [Test]
    public void The_environments_differ_as_documented()
    {
        int Replicas(string env) => (int)Rendered.Find(Rendered.Environment(env), "Deployment", "wordpress").At("spec.replicas")!;
        string PgMemory(string env) => (string)Rendered.Find(Rendered.Environment(env), "StatefulSet", "pg-db").At("spec.template.spec.containers[0].resources.requests.memory")!;
        bool HasPdb(string env) => Rendered.Environment(env).Any(o => o.Kind == "PodDisruptionBudget");
        bool HasTls(string env) => Rendered.Find(Rendered.Environment(env), "Ingress", "wordpress").At("spec.tls") is JArray;
        Assert.Multiple(() =>
        {
            Assert.That((Replicas("dev"), Replicas("test"), Replicas("acc")), Is.EqualTo((1, 2, 2)));
            Assert.That((HasPdb("dev"), HasPdb("test"), HasPdb("acc")), Is.EqualTo((false, true, true)));
            Assert.That((HasTls("dev"), HasTls("test"), HasTls("acc")), Is.EqualTo((false, true, true)));
            Assert.That(PgMemory("acc"), Is.Not.EqualTo(PgMemory("test")), "acc is production-sized");
            Assert.That((string?)Rendered.Find(Rendered.Environment("acc"), "Ingress", "wordpress").At("spec.tls[0].hosts[0]"),
                Is.EqualTo("wordpress.acc.seed.example.org"));
        });
    }

    /// <summary>A change that breaks <paramref name="Rule"/>; <paramref name="Expect"/> (when set) is part of the finding it must cause.</summary>
    public sealed record Mutation(string Rule, string Description, Action<List<ManifestObject>> Apply, string? Expect = null)
    {
        public override string ToString() => $"{Rule}: {Description}";
    }

    private static JObject Deployment(List<ManifestObject> o) => Rendered.Find(o, "Deployment", "wordpress").Body;
    private static JObject StatefulSet(List<ManifestObject> o) => Rendered.Find(o, "StatefulSet", "pg-db").Body;
    private static JObject WpContainer(List<ManifestObject> o) => (JObject)Deployment(o).SelectToken("spec.template.spec.containers[0]")!;
    private static JObject PgContainer(List<ManifestObject> o) => (JObject)StatefulSet(o).SelectToken("spec.template.spec.containers[0]")!;
    private static JObject PgPod(List<ManifestObject> o) => (JObject)StatefulSet(o).SelectToken("spec.template.spec")!;
    private static JObject WpPod(List<ManifestObject> o) => (JObject)Deployment(o).SelectToken("spec.template.spec")!;

    public static IEnumerable<Mutation> Mutations() =>
    [
        new(HardeningRules.Labels, "environment label removed from the Service", o => ((JObject)Rendered.Find(o, "Service", "pg-db").Body.SelectToken("metadata.labels")!).Remove("environment")),
        new(HardeningRules.Labels, "instance label removed from a pod template", o => ((JObject)Deployment(o).SelectToken("spec.template.metadata.labels")!).Remove("app.kubernetes.io/instance")),
        new(HardeningRules.Labels, "environment label says another environment", o => Rendered.Find(o, "NetworkPolicy", "default-deny").Body.SelectToken("metadata.labels")!["environment"] = "prod"),
        new(HardeningRules.RunAsNonRoot, "runAsNonRoot false on the container", o => WpContainer(o)["securityContext"]!["runAsNonRoot"] = false),
        new(HardeningRules.RunAsNonRoot, "runAsNonRoot removed from pod and container", o => { ((JObject)PgContainer(o)["securityContext"]!).Remove("runAsNonRoot"); ((JObject)PgPod(o)["securityContext"]!).Remove("runAsNonRoot"); }),
        new(HardeningRules.RunAsIds, "postgres runs as uid 0", o => PgContainer(o)["securityContext"]!["runAsUser"] = 0),
        new(HardeningRules.RunAsIds, "wordpress runs as uid 1000 instead of 33", o => { WpContainer(o)["securityContext"]!["runAsUser"] = 1000; }),
        new(HardeningRules.RunAsIds, "fsGroup removed", o => ((JObject)PgPod(o)["securityContext"]!).Remove("fsGroup"), "fsGroup is not set"),
        new(HardeningRules.RunAsIds, "pg-db fsGroup 33 instead of 999", o => PgPod(o)["securityContext"]!["fsGroup"] = 33, "fsGroup is 33, expected 999"),
        new(HardeningRules.RunAsIds, "wordpress fsGroup 0 (root group)", o => WpPod(o)["securityContext"]!["fsGroup"] = 0, "fsGroup is 0 (root group)"),
        new(HardeningRules.RunAsIds, "runAsGroup removed from pod and container", o => { ((JObject)WpContainer(o)["securityContext"]!).Remove("runAsGroup"); ((JObject)WpPod(o)["securityContext"]!).Remove("runAsGroup"); }, "runAsGroup is not set"),
        new(HardeningRules.RunAsIds, "wordpress container runAsGroup 0", o => WpContainer(o)["securityContext"]!["runAsGroup"] = 0, "runAsGroup is 0 (root)"),
        new(HardeningRules.RunAsIds, "pg-db container runAsGroup 33 over the pod's 999", o => PgContainer(o)["securityContext"]!["runAsGroup"] = 33, "runAsGroup is 33, expected 999"),
        new(HardeningRules.RunAsIds, "wordpress pod runAsGroup 1000, inherited by the container", o => { ((JObject)WpContainer(o)["securityContext"]!).Remove("runAsGroup"); WpPod(o)["securityContext"]!["runAsGroup"] = 1000; }, "runAsGroup is 1000, expected 33"),
        new(HardeningRules.NoPrivilegeEscalation, "allowPrivilegeEscalation true", o => PgContainer(o)["securityContext"]!["allowPrivilegeEscalation"] = true),
        new(HardeningRules.DropAllCapabilities, "capabilities not dropped", o => ((JObject)WpContainer(o)["securityContext"]!).Remove("capabilities")),
        new(HardeningRules.DropAllCapabilities, "NET_ADMIN added", o => WpContainer(o)["securityContext"]!["capabilities"]!["add"] = new JArray("NET_ADMIN")),
        new(HardeningRules.SeccompRuntimeDefault, "seccomp Unconfined on the container", o => PgContainer(o)["securityContext"]!["seccompProfile"]!["type"] = "Unconfined"),
        new(HardeningRules.ReadOnlyRoot, "writable root filesystem", o => WpContainer(o)["securityContext"]!["readOnlyRootFilesystem"] = false),
        new(HardeningRules.WritablePaths, "postgres socket directory not mounted", o => ((JArray)PgContainer(o)["volumeMounts"]!).Where(m => (string?)m["mountPath"] == "/var/run/postgresql").ToList().ForEach(m => m.Remove())),
        new(HardeningRules.WritablePaths, "/dev/shm on disk instead of memory", o => ((JObject)PgPod(o)["volumes"]!.First(v => (string?)v["name"] == "shm")["emptyDir"]!).Remove("medium")),
        new(HardeningRules.WritablePaths, "emptyDir without sizeLimit", o => ((JObject)WpPod(o)["volumes"]!.First(v => (string?)v["name"] == "tmp")["emptyDir"]!).Remove("sizeLimit")),
        new(HardeningRules.WritablePaths, "apache lock directory missing", o => ((JArray)WpContainer(o)["volumeMounts"]!).Where(m => (string?)m["mountPath"] == "/var/lock/apache2").ToList().ForEach(m => m.Remove())),
        new(HardeningRules.ResourceBounds, "memory limit removed", o => ((JObject)WpContainer(o)["resources"]!["limits"]!).Remove("memory")),
        new(HardeningRules.ResourceBounds, "cpu request removed", o => ((JObject)PgContainer(o)["resources"]!["requests"]!).Remove("cpu")),
        new(HardeningRules.ResourceBounds, "CPU limit without a stated reason", o => PgContainer(o)["resources"]!["limits"]!["cpu"] = "1"),
        new(HardeningRules.Probes, "liveness probe removed", o => WpContainer(o).Remove("livenessProbe")),
        new(HardeningRules.Probes, "startup probe removed", o => PgContainer(o).Remove("startupProbe")),
        new(HardeningRules.Probes, "postgres readiness is a TCP check instead of pg_isready", o => PgContainer(o)["readinessProbe"] = JObject.Parse("{\"tcpSocket\":{\"port\":5432}}")),
        new(HardeningRules.Probes, "wordpress readiness only fetches a static page", o => WpContainer(o)["readinessProbe"]!["httpGet"]!["path"] = "/robots.txt", "readinessProbe is not the HTTP database check"),
        new(HardeningRules.Probes, "wordpress readiness skips the database", o => WpContainer(o)["readinessProbe"]!["httpGet"]!["path"] = HardeningRules.WordPressPhpCheck, "readinessProbe is not the HTTP database check"),
        new(HardeningRules.Probes, "wordpress startup skips the database", o => WpContainer(o)["startupProbe"]!["httpGet"]!["path"] = HardeningRules.WordPressPhpCheck, "startupProbe is not the HTTP database check"),
        new(HardeningRules.Probes, "wordpress startup is a TCP check", o => WpContainer(o)["startupProbe"] = JObject.Parse("{\"tcpSocket\":{\"port\":8080}}"), "startupProbe is not the HTTP database check"),
        new(HardeningRules.Probes, "wordpress liveness needs the database", o => WpContainer(o)["livenessProbe"]!["httpGet"]!["path"] = HardeningRules.WordPressDatabaseCheck, "livenessProbe is not the PHP-only check"),
        new(HardeningRules.Probes, "wordpress liveness fetches a static page", o => WpContainer(o)["livenessProbe"]!["httpGet"]!["path"] = "/robots.txt", "livenessProbe is not the PHP-only check"),
        new(HardeningRules.GracefulShutdown, "postgres grace period 10 s", o => PgPod(o)["terminationGracePeriodSeconds"] = 10),
        new(HardeningRules.GracefulShutdown, "preStop fast shutdown removed", o => PgContainer(o).Remove("lifecycle")),
        new(HardeningRules.PgdataSubdirectory, "PGDATA is the mount itself", o => ((JArray)PgContainer(o)["env"]!).First(v => (string?)v["name"] == "PGDATA")["value"] = "/var/lib/postgresql/data"),
        new(HardeningRules.ServiceAccounts, "token automounted", o => WpPod(o)["automountServiceAccountToken"] = true),
        new(HardeningRules.ServiceAccounts, "ServiceAccount automounts its token", o => Rendered.Find(o, "ServiceAccount", "pg-db").Body["automountServiceAccountToken"] = true),
        new(HardeningRules.ServiceAccounts, "default ServiceAccount", o => WpPod(o).Remove("serviceAccountName")),
        new(HardeningRules.ServiceAccounts, "both workloads share one ServiceAccount", o => PgPod(o)["serviceAccountName"] = "wordpress"),
        new(HardeningRules.Images, "latest tag", o => PgContainer(o)["image"] = "docker.io/library/postgres:latest"),
        new(HardeningRules.Images, "no tag at all", o => PgContainer(o)["image"] = "docker.io/library/postgres"),
        new(HardeningRules.Images, "registry not in settings", o => PgContainer(o)["image"] = "evil.example.com/postgres:17.2-bookworm"),
        new(HardeningRules.Images, "implicit Docker Hub", o => PgContainer(o)["image"] = "postgres:17.2-bookworm"),
        new(HardeningRules.Images, "project image from another registry path", o => WpContainer(o)["image"] = "docker.io/someone/wordpress-pg:6.7.1-1"),
        new(HardeningRules.Secrets, "password as a literal value", o => ((JArray)PgContainer(o)["env"]!).First(v => (string?)v["name"] == "POSTGRES_PASSWORD").Replace(JObject.Parse("{\"name\":\"POSTGRES_PASSWORD\",\"value\":\"hunter2\"}"))),
        new(HardeningRules.Secrets, "a Secret with data in the render", o => o.Add(new ManifestObject("mutation", 1, 1, JObject.Parse(
            "{\"apiVersion\":\"v1\",\"kind\":\"Secret\",\"metadata\":{\"name\":\"pg-db-credentials\",\"labels\":{\"app.kubernetes.io/part-of\":\"seed\",\"app.kubernetes.io/name\":\"pg-db\",\"app.kubernetes.io/component\":\"database\",\"app.kubernetes.io/instance\":\"seed-dev\",\"environment\":\"dev\"}},\"stringData\":{\"password\":\"x\"}}")))),
        new(HardeningRules.Secrets, "credentials from another Secret", o => ((JArray)PgContainer(o)["env"]!).Select(v => v["valueFrom"]?["secretKeyRef"]).OfType<JObject>().ToList().ForEach(r => r["name"] = "other")),
    ];

    [Test]
    public void Every_rule_has_at_least_one_mutation() =>
        Assert.That(Mutations().Select(m => m.Rule).Distinct(), Is.EquivalentTo(HardeningRules.AllRules));

    [TestCaseSource(nameof(Mutations))]
    public void A_mutation_that_breaks_the_rule_is_reported(Mutation mutation)
    {
        foreach (var env in Rendered.Environments)
        {
            var objects = Rendered.Copy(env);
            mutation.Apply(objects);
            var findings = HardeningRules.Check(objects, Rendered.Options(env));
            Assert.That(findings.Select(f => f.Rule), Does.Contain(mutation.Rule), $"{env}: {mutation} was not reported; findings: {string.Join("; ", findings)}");
            if (mutation.Expect is { } expect)
                Assert.That(findings.Where(f => f.Rule == mutation.Rule).Select(f => f.Message), Has.Some.Contains(expect),
                    $"{env}: {mutation} was reported, but not as '{expect}'; findings: {string.Join("; ", findings)}");
        }
    }

    [Test]
    public void Root_group_ownership_is_refused_for_workloads_without_an_expected_id()
    {
        // A workload the rules have no fixed ids for (e.g. a later job) still may not give its volumes to group 0.
        var options = Rendered.Options("dev") with { ExpectedIds = new Dictionary<string, long>() };
        var objects = Rendered.Copy("dev");
        Assert.That(HardeningRules.Check(objects, options), Is.Empty);
        WpPod(objects)["securityContext"]!["fsGroup"] = 0;
        Assert.That(HardeningRules.Check(objects, options).Select(f => f.ToString()), Has.Some.Contains("fsGroup is 0 (root group)"));
    }
}
