using Newtonsoft.Json.Linq;
using Platform.Build.GitOps;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>
/// kyverno/: every policy has a complete `kyverno test` case, validates against its CRD schema, excludes the system
/// namespaces, and has an offline twin in PolicyChecks that agrees with every expected result of its test case.
/// </summary>
public sealed class KyvernoPolicyTests
{
    private static readonly string KyvernoDir = Repo.PathOf("kyverno");

    public static IEnumerable<string> PolicyFolders() => KyvernoTestCases.PolicyFolders(KyvernoDir);

    [Test]
    public void Every_policy_folder_has_a_complete_test_case_with_pass_and_fail_results() =>
        Assert.That(KyvernoTestCases.Check(KyvernoDir), Is.Empty);

    [Test]
    public void The_policies_are_the_ones_the_offline_checks_cover() =>
        Assert.That(PolicyFolders(), Is.EquivalentTo(PolicyChecks.ValidatingPolicies.Append(PolicyChecks.GenerateDefaultDeny)));

    [Test]
    public void The_kustomization_deploys_every_policy_and_no_test_file()
    {
        var names = KyvernoPolicies.Select(p => p.Name).ToList();
        Assert.That(names, Is.SupersetOf(PolicyFolders()));
        Assert.That(KyvernoPolicies.Select(p => p.Group).Distinct(), Is.EqualTo(new[] { "policies.kyverno.io" }), "no cli.kyverno.io Test, no test resources");
    }

    [TestCaseSource(nameof(PolicyFolders))]
    public void The_policy_file_validates_against_its_CRD_schema(string folder)
    {
        RequireSchemas();
        var policy = YamlManifests.ParseFile(Path.Combine(KyvernoDir, folder, KyvernoTestCases.PolicyFile)).Single();
        Assert.That(policy.ApiVersion, Is.EqualTo("policies.kyverno.io/v1"), "the CEL policy types, stable since Kyverno 1.17");
        Assert.That(SchemaErrors(policy), Is.Empty);
    }

    [Test]
    public void The_rendered_policies_including_the_dev_audit_copies_validate_against_their_CRD_schemas()
    {
        RequireSchemas();
        Assert.That(KyvernoPolicies.SelectMany(SchemaErrors), Is.Empty);
    }

    [Test]
    public void The_schema_check_rejects_a_misspelt_policy_field()
    {
        RequireSchemas();
        var policy = Copy([Find(KyvernoPolicies, "ValidatingPolicy", "disallow-latest-tag")])[0];
        ((JObject)policy.Body["spec"]!)["validationAction"] = new JArray("Deny");
        Assert.That(SchemaErrors(policy), Is.Not.Empty);
    }

    [TestCaseSource(nameof(PolicyFolders))]
    public void The_test_resources_are_valid_Kubernetes_1_35_objects(string folder)
    {
        RequireSchemas();
        var files = Directory.GetFiles(Path.Combine(KyvernoDir, folder), "*.yaml")
            .Where(f => Path.GetFileName(f) is "resources.yaml" || Path.GetFileName(f).StartsWith("generated-", StringComparison.Ordinal));
        var objects = files.SelectMany(YamlManifests.ParseFile).ToList();
        Assert.That(objects, Is.Not.Empty);
        Assert.That(objects.SelectMany(o => SchemaErrors(o)), Is.Empty);
    }

    [Test]
    public void The_Kubernetes_schema_check_rejects_an_unknown_field()
    {
        RequireSchemas();
        var pod = YamlManifests.ParseFile(Path.Combine(KyvernoDir, "disallow-latest-tag", "resources.yaml")).First(o => o.Kind == "Pod");
        Assert.That(SchemaErrors(pod), Is.Empty);
        pod.Body["spec"]!["containers"]![0]!["imagePullPolicyy"] = "Always";
        Assert.That(SchemaErrors(pod), Is.Not.Empty);
    }

    [Test]
    public void The_kyverno_CLI_Test_kind_has_no_schema_so_its_structure_is_checked_by_KyvernoTestCases()
    {
        // Explicit: the schema folder has no cli.kyverno.io schemas; KyvernoTestCases.CheckFolder is the check for them.
        Assert.That(Directory.Exists(Path.Combine(Repo.SchemaDir, "crds", "cli.kyverno.io")), Is.False,
            "a cli.kyverno.io schema appeared: validate kyverno-test.yaml against it here");
        foreach (var folder in PolicyFolders())
            Assert.That(KyvernoTestCases.CheckFolder(Path.Combine(KyvernoDir, folder)), Is.Empty, folder);
    }

    [TestCaseSource(nameof(PolicyFolders))]
    public void Workload_policies_exclude_the_system_namespaces_by_name(string folder)
    {
        var policy = YamlManifests.ParseFile(Path.Combine(KyvernoDir, folder, KyvernoTestCases.PolicyFile)).Single();
        var expression = policy.At("spec.matchConstraints.namespaceSelector.matchExpressions[0]") as JObject;
        if (folder == PolicyChecks.ArgoCdNoDefaultProject)
        {
            Assert.That(expression, Is.Null, "Applications live in argocd: this policy must see them");
            return;
        }
        Assert.That((string?)expression?["key"], Is.EqualTo("kubernetes.io/metadata.name"));
        var values = expression!["values"]!.Values<string>().ToList();
        if (folder == PolicyChecks.RequireImageDigest)
        {
            Assert.That(((string?)expression["operator"], values), Is.EqualTo(("In", new List<string?> { "acc" })));
            return;
        }
        Assert.That((string?)expression["operator"], Is.EqualTo("NotIn"));
        Assert.That(values, Is.SupersetOf(PolicyChecks.SystemNamespaces));
        Assert.That(values.Contains(PolicyChecks.DevNamespace), Is.EqualTo(PolicyChecks.AuditInDev.Contains(folder)), "only audit-in-dev policies leave dev to their copy");
    }

    [Test]
    public void Test_and_acc_deny_while_dev_only_audits_where_the_policy_says_so()
    {
        Assert.Multiple(() =>
        {
            foreach (var policy in KyvernoPolicies.Where(p => p.Kind == "ValidatingPolicy"))
            {
                var isDevCopy = policy.Name.EndsWith("-dev-audit", StringComparison.Ordinal);
                Assert.That(policy.At("spec.validationActions")!.Values<string>(), Is.EqualTo(new[] { isDevCopy ? "Audit" : "Deny" }), policy.Name);
                if (isDevCopy)
                    Assert.That(policy.At("spec.matchConstraints.namespaceSelector.matchExpressions[0].values")!.Values<string>(),
                        Is.EqualTo(new[] { "dev" }), policy.Name);
            }
            foreach (var name in PolicyChecks.AuditInDev)
                Assert.That(KyvernoPolicies.Select(p => p.Name), Does.Contain(name + "-dev-audit"));
        });
    }

    [TestCaseSource(nameof(ValidatingPolicyFolders))]
    public void The_offline_check_agrees_with_every_expected_result_of_the_kyverno_test_case(string folder)
    {
        var dir = Path.Combine(KyvernoDir, folder);
        var test = YamlManifests.ParseFile(Path.Combine(dir, KyvernoTestCases.TestFile)).Single();
        var resources = YamlManifests.ParseFile(Path.Combine(dir, "resources.yaml"));
        var registries = LoadSettings().GetList("images.allowedRegistries");
        var expectations = KyvernoTestCases.Expectations(test);
        Assert.That(expectations, Is.Not.Empty);
        Assert.Multiple(() =>
        {
            foreach (var e in expectations)
            {
                var resource = resources.Single(r => r.Kind == e.Kind && KyvernoTestCases.Reference(r) == e.Resource);
                var violations = PolicyChecks.Evaluate(folder, resource, registries);
                var actual = violations is null ? "skip" : violations.Count == 0 ? "pass" : "fail";
                Assert.That(actual, Is.EqualTo(e.Result), $"{e.Kind} {e.Resource}: {string.Join("; ", violations ?? [])}");
            }
        });
    }

    public static IEnumerable<string> ValidatingPolicyFolders() => PolicyChecks.ValidatingPolicies;

    // ---- mutations of the test-case structure, on a copy of kyverno/

    public sealed record FolderMutation(string Name, Action<string> Apply, string Expected)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<FolderMutation> FolderMutations() =>
    [
        new("test case deleted", k => File.Delete(Path.Combine(k, "disallow-latest-tag", "kyverno-test.yaml")), "kyverno-test.yaml is missing"),
        new("no fail result left", k => Edit(k, "require-probes/kyverno-test.yaml", t => t.Replace("result: fail", "result: skip")), "at least one pass and one fail"),
        new("no pass result left", k => Edit(k, "restrict-image-registries/kyverno-test.yaml", t => t.Replace("result: pass", "result: skip")), "at least one pass and one fail"),
        new("result names a missing resource", k => Edit(k, "require-image-digest/kyverno-test.yaml", t => t.Replace("acc/tag-only-pod", "acc/renamed-pod")), "which is not in the resources files"),
        new("result names another policy", k => Edit(k, "disallow-default-namespace/kyverno-test.yaml", t => t.Replace("policy: disallow-default-namespace", "policy: other")), "names policy 'other'"),
        new("misspelt result field", k => Edit(k, "pod-security-restricted/kyverno-test.yaml", t => t.Replace("isValidatingPolicy:", "isValidationPolicy:")), "unknown field 'isValidationPolicy'"),
        new("values file missing", k => File.Delete(Path.Combine(k, "require-requests-limits", "values.yaml")), "references values.yaml, which does not exist"),
        new("policy not deployed", k => Edit(k, "kustomization.yaml", t => t.Replace("- require-probes\n", "")), "does not deploy require-probes"),
        new("policy renamed", k => Edit(k, "argocd-no-default-project/policy.yaml", t => t.Replace("name: argocd-no-default-project", "name: no-default")), "name it like its folder"),
        new("generator without a skip case", k => Edit(k, "generate-default-deny/kyverno-test.yaml", t => t.Replace("result: skip", "result: pass")), "one pass (with generatedResource) and one skip"),
        new("generator with a fail case that cannot fail", k => Edit(k, "generate-default-deny/kyverno-test.yaml", t => t + """
            - policy: generate-default-deny
              isGeneratingPolicy: true
              kind: Namespace
              resources:
              - team-a
              generatedResource: generated-networkpolicy.yaml
              result: fail

            """), "cannot have a fail result"),
        new("unknown result value", k => Edit(k, "disallow-latest-tag/kyverno-test.yaml", t => t.Replace("result: fail", "result: failed")), "'failed' is not one of"),
    ];

    [TestCaseSource(nameof(FolderMutations))]
    public void A_broken_test_case_is_reported(FolderMutation mutation)
    {
        var root = TempCopy("kyverno");
        try
        {
            var kyverno = Path.Combine(root, "kyverno");
            Assert.That(KyvernoTestCases.Check(kyverno), Is.Empty);
            mutation.Apply(kyverno);
            Assert.That(KyvernoTestCases.Check(kyverno), Has.Some.Contains(mutation.Expected));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    private static void Edit(string kyvernoDir, string file, Func<string, string> change)
    {
        var path = Path.Combine(kyvernoDir, file);
        var text = File.ReadAllText(path);
        var changed = change(text);
        Assert.That(changed, Is.Not.EqualTo(text), $"the mutation must change {file}");
        File.WriteAllText(path, changed);
    }
}

/// <summary>The real `kyverno test` over kyverno/, where the CLI is installed (it is not on the CI machine).</summary>
public sealed class KyvernoCliTests
{
    [Test]
    public async Task Kyverno_test_passes_every_case_when_the_CLI_is_installed()
    {
        var locator = Platform.Build.Tools.ToolLocator.FromProcess();
        if (locator.Find(Platform.Build.Tools.KnownTools.Kyverno) is null)
            Assert.Ignore("The kyverno CLI is not installed here; KyvernoPolicyTests checks the cases offline instead.");
        var runner = new Platform.Build.Tools.ToolRunner(new Platform.Build.Logging.RecordingLog(), locator);
        var result = await runner.RunAsync(Platform.Build.Tools.KyvernoCli.Test(Repo.PathOf("kyverno")));
        Assert.That(result.ExitCode, Is.Zero, result.StandardOutput);
    }
}
