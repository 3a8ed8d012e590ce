using Newtonsoft.Json.Linq;
using Platform.Build.GitOps;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>
/// The CEL in kyverno/*/policy.yaml, evaluated for real (cel-js on Node.js): every `kyverno test` expectation holds,
/// the generator builds exactly the expected NetworkPolicy, the compliant fixture environment passes and a mutated one
/// fails. This is the closest to `kyverno test` the machine allows without the kyverno CLI.
/// </summary>
public sealed class CelPolicyTests
{
    private static readonly string KyvernoDir = Repo.PathOf("kyverno");

    public static IEnumerable<string> ValidatingPolicyFolders() => PolicyChecks.ValidatingPolicies;

    [TestCaseSource(nameof(ValidatingPolicyFolders))]
    public async Task The_policy_CEL_gives_every_expected_result_of_its_kyverno_test_case(string folder)
    {
        var dir = Path.Combine(KyvernoDir, folder);
        var policy = CelEvaluator.Policy.From(YamlManifests.ParseFile(Path.Combine(dir, "policy.yaml")).Single());
        var resources = YamlManifests.ParseFile(Path.Combine(dir, "resources.yaml"));
        var expectations = KyvernoTestCases.Expectations(YamlManifests.ParseFile(Path.Combine(dir, "kyverno-test.yaml")).Single());

        var matched = new List<CelEvaluator.Case>();
        var actual = new Dictionary<string, string>();
        foreach (var e in expectations)
        {
            var resource = resources.Single(r => r.Kind == e.Kind && KyvernoTestCases.Reference(r) == e.Resource);
            var ns = resource.Namespace ?? "default";
            if (policy.Matches(resource, ns)) matched.Add(new($"{e.Kind}/{e.Resource}", policy, resource, ns));
            else actual[$"{e.Kind}/{e.Resource}"] = "skip";
        }
        foreach (var (id, result) in await CelEvaluator.EvaluateAsync(matched))
        {
            Assert.That(result.Result, Is.Not.EqualTo("error"), $"{id}: {string.Join("; ", result.Messages)}");
            actual[id] = result.Result;
        }
        Assert.Multiple(() =>
        {
            foreach (var e in expectations)
                Assert.That(actual[$"{e.Kind}/{e.Resource}"], Is.EqualTo(e.Result), $"{e.Kind} {e.Resource}");
        });
    }

    [Test]
    public async Task A_workload_without_namespace_is_judged_by_the_request_namespace()
    {
        var dir = Path.Combine(KyvernoDir, PolicyChecks.DisallowDefaultNamespace);
        var policy = CelEvaluator.Policy.From(YamlManifests.ParseFile(Path.Combine(dir, "policy.yaml")).Single());
        var pod = YamlManifests.ParseFile(Path.Combine(dir, "resources.yaml")).First(o => o.Kind == "Pod");
        var bare = pod with { Body = (JObject)pod.Body.DeepClone() };
        ((JObject)bare.Body["metadata"]!).Remove("namespace");
        var results = await CelEvaluator.EvaluateAsync([new("in-default", policy, bare, "default"), new("in-test", policy, bare, "test")]);
        Assert.That((results["in-default"].Result, results["in-test"].Result), Is.EqualTo(("fail", "pass")));
    }

    [Test]
    public async Task The_generator_builds_exactly_the_expected_NetworkPolicy()
    {
        var dir = Path.Combine(KyvernoDir, PolicyChecks.GenerateDefaultDeny);
        var policy = CelEvaluator.Policy.From(YamlManifests.ParseFile(Path.Combine(dir, "policy.yaml")).Single());
        var teamA = YamlManifests.ParseFile(Path.Combine(dir, "resources.yaml")).Single(o => o.Name == "team-a");
        var expected = YamlManifests.ParseFile(Path.Combine(dir, "generated-networkpolicy.yaml")).Single();

        Assert.That(policy.Matches(teamA, "team-a"), Is.True);
        var result = (await CelEvaluator.EvaluateAsync([new("team-a", policy, teamA, "team-a")]))["team-a"];
        Assert.That(result.Result, Is.EqualTo("pass"), string.Join("; ", result.Messages));
        Assert.That(JToken.DeepEquals(result.Variables["networkPolicy"], expected.Body), Is.True,
            $"generated:\n{result.Variables["networkPolicy"]}\nexpected:\n{expected.Body}");
        Assert.That(PolicyChecks.IsDefaultDeny((JObject)result.Variables["networkPolicy"]!), Is.True);
        foreach (var system in PolicyChecks.SystemNamespaces)
            Assert.That(policy.Matches(teamA with { Body = new JObject { ["metadata"] = new JObject { ["name"] = system } } }, system), Is.False, system);
    }

    [Test]
    public async Task The_deployed_policies_admit_the_compliant_fixture_environment_and_deny_a_mutated_one()
    {
        var env = ManifestRenderer.Render(Repo.Fixture("GitOps", "env-test"));
        Assert.That(await DenialsAsync(env, "test"), Is.Empty);

        var mutated = Copy(env);
        Find(mutated, "Deployment", "wordpress").Body.SelectToken("spec.template.spec.containers[0]")!["image"] = "ghcr.io/someone/wordpress:latest";
        ((JObject)Find(mutated, "StatefulSet", "pg-db").Body.SelectToken("spec.template.spec.containers[0].resources")!).Remove("limits");
        Assert.That(await DenialsAsync(mutated, "test"), Is.EquivalentTo(new[]
        {
            "disallow-latest-tag: Deployment/wordpress", "require-requests-limits: StatefulSet/pg-db",
        }));
        Assert.That(await DenialsAsync(mutated, "dev"), Is.EquivalentTo(new[] { "disallow-latest-tag: Deployment/wordpress" }),
            "in dev the missing limit is only audited");
    }

    /// <summary>
    /// "policy: Kind/name" for each Deny policy of the rendered kyverno/ that rejects an object when it is deployed into
    /// namespace <paramref name="ns"/> (as Argo CD's destination namespace places it).
    /// </summary>
    internal static async Task<IReadOnlyList<string>> DenialsAsync(IReadOnlyList<ManifestObject> objects, string ns)
    {
        var policies = KyvernoPolicies.Where(p => p.Kind == "ValidatingPolicy"
            && p.At("spec.validationActions")!.Values<string>().Contains("Deny")).Select(CelEvaluator.Policy.From).ToList();
        var cases = (from o in objects
                     from p in policies
                     where p.Matches(o, ns)
                     select new CelEvaluator.Case($"{p.Name}: {o.Kind}/{o.Name}", p, o with { Body = WithNamespace(o.Body, ns) }, ns)).ToList();
        var results = await CelEvaluator.EvaluateAsync(cases);
        Assert.That(results.Values.Where(r => r.Result == "error").Select(r => r.Id + ": " + string.Join("; ", r.Messages)), Is.Empty);
        return [.. results.Values.Where(r => r.Result == "fail").Select(r => r.Id)];
    }

    private static JObject WithNamespace(JObject body, string ns)
    {
        var copy = (JObject)body.DeepClone();
        if (copy["metadata"] is JObject metadata && (string?)copy["kind"] != "Namespace") metadata["namespace"] = ns;
        return copy;
    }
}
