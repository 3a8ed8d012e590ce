using Newtonsoft.Json.Linq;
using Platform.Build.GitOps;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>
/// The offline policy twins and the environment cross-checks on fixtures: a compliant environment (rendered with kubectl
/// kustomize, same layout as k8s/overlays/&lt;env&gt;) passes, and each violating workload is reported by its policy.
/// </summary>
public sealed class PolicyChecksTests
{
    private static readonly Lazy<EnvironmentRender> Fixture = new(() => new EnvironmentRender("test",
        ManifestRenderer.Render(Repo.Fixture("GitOps", "env-test")),
        ManifestRenderer.Render(Repo.Fixture("GitOps", "env-test", "app")),
        ManifestRenderer.Render(Repo.Fixture("GitOps", "env-test", "guardrails"))));

    private static IReadOnlyList<string> Registries => LoadSettings().GetList("images.allowedRegistries");

    [Test]
    public void The_compliant_fixture_environment_passes_every_check()
    {
        Assert.That(Fixture.Value.Complete.Select(o => o.Kind), Does.Contain("Deployment").And.Contain("StatefulSet").And.Contain("Namespace"));
        Assert.That(EnvironmentChecks.Check(Fixture.Value, Registries), Is.Empty);
        Assert.That(PolicyChecks.Check(Fixture.Value.Complete, Registries, "test"), Is.Empty);
    }

    [Test]
    public void The_fixtures_are_valid_Kubernetes_1_35_objects()
    {
        RequireSchemas();
        var violating = YamlManifests.ParseFile(Repo.Fixture("GitOps", "violating-workloads.yaml"));
        Assert.That(Fixture.Value.Complete.Concat(violating)
            .SelectMany(o => SchemaErrors(o)), Is.Empty);
    }

    public static IEnumerable<TestCaseData> ViolatingWorkloads() =>
        YamlManifests.ParseFile(Path.Combine(TestContext.CurrentContext.TestDirectory, "Fixtures", "GitOps", "violating-workloads.yaml"))
            .Select(o => new TestCaseData(o).SetArgDisplayNames($"{o.Namespace}/{o.Name}"));

    [TestCaseSource(nameof(ViolatingWorkloads))]
    public void Each_violating_workload_is_denied_by_its_policy(ManifestObject workload)
    {
        var policy = (string?)workload.At("metadata.annotations['gitops.test/violates']");
        var violations = PolicyChecks.Check([workload], Registries);
        Assert.That(violations.Where(v => v.Action == PolicyAction.Deny).Select(v => v.Policy), Does.Contain(policy), string.Join("\n", violations));
    }

    [Test]
    public void The_same_violation_in_dev_is_only_audited_where_dev_audits()
    {
        var noLimit = YamlManifests.ParseFile(Repo.Fixture("GitOps", "violating-workloads.yaml")).Single(o => o.Name == "no-memory-limit");
        var inDev = noLimit with { Body = (JObject)noLimit.Body.DeepClone() };
        inDev.Body["metadata"]!["namespace"] = "dev";
        var violations = PolicyChecks.Check([inDev], Registries);
        Assert.That(violations, Is.Not.Empty);
        Assert.That(violations.Select(v => (v.Policy, v.Action)).Distinct(),
            Is.EqualTo(new[] { ("require-requests-limits-dev-audit", PolicyAction.Audit) }));
        Assert.That(violations.Any(v => v.Action == PolicyAction.Deny), Is.False);
    }

    [Test]
    public void System_namespaces_are_left_alone()
    {
        var privileged = YamlManifests.ParseFile(Repo.Fixture("GitOps", "violating-workloads.yaml")).Single(o => o.Name == "privileged");
        var inKubeSystem = privileged with { Body = (JObject)privileged.Body.DeepClone() };
        inKubeSystem.Body["metadata"]!["namespace"] = "kube-system";
        Assert.That(PolicyChecks.Check([inKubeSystem], Registries), Is.Empty);
    }

    [TestCase("nginx:1.27", "docker.io")]
    [TestCase("library/postgres:17.6", "docker.io")]
    [TestCase("docker.io/library/postgres:17.6", "docker.io")]
    [TestCase("registry.example.org/platform/wordpress-pg:6.7.1", "registry.example.org")]
    [TestCase("localhost/app:1", "localhost")]
    [TestCase("harbor.internal:5000/app:1", "harbor.internal:5000")]
    public void Registry_of_an_image(string image, string registry) => Assert.That(PolicyChecks.RegistryOf(image), Is.EqualTo(registry));

    [TestCase("app:1.0", true)]
    [TestCase("app", false)]
    [TestCase("app:latest", false)]
    [TestCase("registry:5000/app", false)]
    [TestCase("registry:5000/app:2", true)]
    [TestCase("app@sha256:abc", true)]
    public void Pinned_tag_or_digest(string image, bool pinned) => Assert.That(PolicyChecks.HasPinnedTagOrDigest(image), Is.EqualTo(pinned));

    // ---- mutations of the compliant fixture environment, one per cross-check

    public sealed record EnvMutation(string Name, Func<EnvironmentRender, EnvironmentRender> Apply, string Expected)
    {
        public override string ToString() => Name;
    }

    private static EnvironmentRender Mutate(EnvironmentRender env, string part, string kind, string name, Action<JObject> change)
    {
        var copy = new EnvironmentRender(env.Environment, Copy(env.Complete), Copy(env.App), Copy(env.Guardrails));
        var target = part switch { "app" => copy.App, "guardrails" => copy.Guardrails, _ => copy.Complete };
        change(Find(target, kind, name).Body);
        return copy;
    }

    private static EnvironmentRender Add(EnvironmentRender env, string part, string yaml)
    {
        var extra = YamlManifests.Parse(yaml, "mutation");
        return part == "app"
            ? env with { App = [.. env.App, .. extra], Complete = [.. env.Complete, .. extra] }
            : env with { Guardrails = [.. env.Guardrails, .. extra], Complete = [.. env.Complete, .. extra] };
    }

    public static IEnumerable<EnvMutation> EnvironmentMutations() =>
    [
        new("wordpress image on latest", e => Mutate(e, "complete", "Deployment", "wordpress",
            b => b.SelectToken("spec.template.spec.containers[0]")!["image"] = "registry.example.org/platform/wordpress-pg:latest"), "disallow-latest-tag"),
        new("pg-db may escalate", e => Mutate(e, "complete", "StatefulSet", "pg-db",
            b => b.SelectToken("spec.template.spec.containers[0].securityContext")!["allowPrivilegeEscalation"] = true), "pod-security-restricted"),
        new("pg-db without a memory limit", e => Mutate(e, "complete", "StatefulSet", "pg-db",
            b => ((JObject)b.SelectToken("spec.template.spec.containers[0].resources")!).Remove("limits")), "require-requests-limits"),
        new("wordpress without liveness probe", e => Mutate(e, "complete", "Deployment", "wordpress",
            b => ((JObject)b.SelectToken("spec.template.spec.containers[0]")!).Remove("livenessProbe")), "require-probes"),
        new("postgres from an unknown registry", e => Mutate(e, "complete", "StatefulSet", "pg-db",
            b => b.SelectToken("spec.template.spec.containers[0]")!["image"] = "mirror.example.net/postgres:17.6"), "restrict-image-registries"),
        new("default-deny removed", e => e with { Complete = [.. e.Complete.Where(o => o.Name != "default-deny")] }, "has no default-deny NetworkPolicy"),
        new("default-deny allows ingress", e => Mutate(e, "complete", "NetworkPolicy", "default-deny",
            b => b["spec"]!["ingress"] = new JArray(new JObject())), "has no default-deny NetworkPolicy"),
        new("app ships a NetworkPolicy", e => Add(e, "app", "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: allow-all, namespace: test}\nspec: {podSelector: {}, ingress: [{}]}\n"),
            "guardrail kind that project env-test blacklists"),
        new("app ships a ClusterRole", e => Add(e, "app", "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: extra}\nrules: []\n"), "is cluster-scoped"),
        new("app reaches into acc", e => Mutate(e, "app", "Deployment", "wordpress", b => b["metadata"]!["namespace"] = "acc"), "outside namespace test"),
        new("guardrails ship a StorageClass", e => Add(e, "guardrails", "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: fast}\nprovisioner: x\n"), "does not whitelist"),
        new("a Secret with data in Git", e => Add(e, "app", "apiVersion: v1\nkind: Secret\nmetadata: {name: pg-db-credentials, namespace: test}\nstringData: {password: x}\n"), "carries data in Git"),
    ];

    [TestCaseSource(nameof(EnvironmentMutations))]
    public void A_broken_environment_is_reported(EnvMutation mutation)
    {
        Assert.That(EnvironmentChecks.Check(Fixture.Value, Registries), Is.Empty);
        Assert.That(EnvironmentChecks.Check(mutation.Apply(Fixture.Value), Registries), Has.Some.Contains(mutation.Expected));
    }

    [Test]
    public void In_acc_an_image_without_digest_is_denied_and_with_digest_admitted()
    {
        var accFixture = Copy(Fixture.Value.Complete);
        foreach (var o in accFixture.Where(o => o.Namespace == "test")) o.Body["metadata"]!["namespace"] = "acc";
        Assert.That(PolicyChecks.Check(accFixture, Registries).Select(v => v.Policy).Distinct(), Is.EqualTo(new[] { PolicyChecks.RequireImageDigest }));
        foreach (var c in accFixture.Where(o => o.Kind is "Deployment" or "StatefulSet").Select(o => o.Body.SelectToken("spec.template.spec.containers[0]")!))
            c["image"] = (string?)c["image"] + "@sha256:" + string.Concat(Enumerable.Repeat("0123456789abcdef", 4));
        Assert.That(PolicyChecks.Check(accFixture, Registries), Is.Empty);
    }

    [Test]
    public void Unresolved_digests_in_acc_are_set_apart_only_when_asked()
    {
        var acc = new EnvironmentRender("acc", Copy(Fixture.Value.Complete), [], []);
        foreach (var o in acc.Complete) o.Body["metadata"]!["namespace"] = "acc";
        ((Newtonsoft.Json.Linq.JObject)Find(acc.Complete, "Namespace", "test").Body["metadata"]!)["name"] = "acc";
        Assert.That(EnvironmentChecks.Check(acc, Registries), Has.Some.Contains(PolicyChecks.RequireImageDigest));
        Assert.That(EnvironmentChecks.Check(acc, Registries, digestsResolvedAtDeploy: true), Is.Empty);
        Assert.That(EnvironmentChecks.UnresolvedDigests(acc, Registries), Has.Count.EqualTo(2));
    }
}
