using Platform.Build.Logging;
using Platform.Build.Tests.Support;
using Platform.Build.Tools;
using Platform.Build.Validation;

namespace Platform.Build.Tests.Validation;

/// <summary>Discovery and the render-and-validate run over a small repository fixture, with real kubectl kustomize.</summary>
public class ValidateRunTests
{
    private static string FixtureRepo => Repo.Fixture("Validation", "repo");

    [Test]
    public void Discovery_renders_roots_only_and_reads_loose_files()
    {
        var units = ManifestDiscovery.Discover(FixtureRepo);
        Assert.That(units.Select(u => (u.Label, u.IsKustomization)), Is.EquivalentTo(new[]
        {
            ("k8s/overlays/bad", true),
            ("k8s/overlays/dev", true),
            ("argocd", false),
            ("argocd/values", false),
        }), "the base and the component are validated through the overlays; the dev patch is referenced, not loose");
    }

    [Test]
    public async Task A_run_reports_each_bad_object_with_file_object_and_path_and_skips_missing_tools()
    {
        var log = new RecordingLog();
        var runner = new ToolRunner(log, ToolLocator.FromProcess());
        var store = new SchemaStore(new FolderSchemaSource(Repo.SchemaDir), "1.35");
        // The optional validators are looked up on an empty PATH, so the run is the same whether or not they are installed.
        var noTools = new ToolRunner(log, new ToolLocator(new Dictionary<string, string> { ["PATH"] = "/nonexistent" }));
        var external = new ExternalValidators(noTools, "1.35.0", Repo.SchemaDir, strict: false);
        var results = (await new ValidationRun(runner, store, external).RunAsync(ManifestDiscovery.Discover(FixtureRepo)))
            .ToDictionary(r => r.Unit.Label);

        Assert.That(results["k8s/overlays/dev"].Objects, Is.EqualTo(2));
        Assert.That(results["k8s/overlays/dev"].Findings, Is.Empty);
        Assert.That(results["argocd"].Findings, Is.Empty);
        Assert.That(results["argocd/values"].Objects, Is.EqualTo(0), "Helm values are not objects");

        var bad = results["k8s/overlays/bad"].Findings.Select(f => (f.Object, f.Path, f.Message)).ToList();
        Assert.That(bad, Is.EquivalentTo(new[]
        {
            ("Deployment/bad/app", "spec.template.spec.containers[0].imagePulPolicy", "unknown field 'imagePulPolicy'"),
            ("Deployment/bad/app", "spec.template.spec.containers[0].securityContext.runAsUser", "wrong type: expected an integer"),
        }));
        Assert.That(results["k8s/overlays/dev"].Skipped, Is.EqualTo(new[] { "kubeconform", "kube-linter", "trivy" }),
            "where they are not installed the optional validators are reported as skipped");
    }

    [Test]
    public async Task With_strict_tools_a_missing_validator_is_an_error()
    {
        var log = new RecordingLog();
        var empty = new ToolRunner(log, new ToolLocator(new Dictionary<string, string> { ["PATH"] = "/nonexistent" }));
        var external = new ExternalValidators(empty, "1.35.0", null, strict: true);
        var unit = new ManifestUnit("x", "x", false, []);
        var (_, skipped, findings) = await external.RunAsync(unit, "", CancellationToken.None);
        Assert.That(skipped, Is.EquivalentTo(new[] { "kubeconform", "kube-linter", "trivy" }));
        Assert.That(findings.Select(f => f.Check), Is.EquivalentTo(new[] { "kubeconform", "kube-linter", "trivy" }));
        Assert.That(findings.All(f => f.Severity == Severity.Error));
    }

    [Test]
    public async Task Kubeconform_StandIn_findings_are_folded_into_the_report()
    {
        // kubeconform is not installed here: a stand-in records its arguments and answers in kubeconform's JSON format.
        var dir = Directory.CreateTempSubdirectory("kubeconform-").FullName;
        var record = Path.Combine(dir, "calls.txt");
        var script = Path.Combine(dir, "kubeconform");
        Executable.Write(script, $$$"""
            #!/bin/sh
            echo "$@" >> {{{record}}}
            cat > /dev/null
            echo '{"resources":[{"filename":"stdin","kind":"Deployment","name":"app","version":"apps/v1","status":"statusInvalid","msg":"bad thing"}],"summary":{}}'
            exit 1
            """);
        var runner = new ToolRunner(new RecordingLog(), new ToolLocator(new Dictionary<string, string> { ["PLATFORM_TOOL_KUBECONFORM"] = script, ["PATH"] = "/nonexistent" }));
        var external = new ExternalValidators(runner, "1.35.0", "/schemas", strict: false);

        var (ran, skipped, findings) = await external.RunAsync(new ManifestUnit("k8s/overlays/dev", "x", true, []), "kind: Deployment\n", CancellationToken.None);

        Assert.That(ran, Is.EqualTo(new[] { "kubeconform" }));
        Assert.That(skipped, Is.EqualTo(new[] { "kube-linter", "trivy" }));
        Assert.That(findings.Single().ToString(), Is.EqualTo("k8s/overlays/dev: Deployment/app: bad thing [kubeconform]"));
        Assert.That(File.ReadAllText(record), Does.Contain("-strict").And.Contain("-kubernetes-version 1.35.0"));
    }

    [Test]
    public async Task Trivy_StandIn_scans_the_rendered_unit_and_its_failures_become_findings()
    {
        // trivy is not installed here: a stand-in records its arguments and the file it was given, and answers in the
        // JSON format of `trivy config`.
        var dir = Directory.CreateTempSubdirectory("trivy-").FullName;
        var record = Path.Combine(dir, "calls.txt");
        var script = Path.Combine(dir, "trivy");
        Executable.Write(script, $$$"""
            #!/bin/sh
            echo "$@" >> {{{record}}}
            for last in "$@"; do :; done
            cat "$last/manifests.yaml" >> {{{record}}}
            echo '{"Results":[{"Target":"manifests.yaml","Misconfigurations":[
              {"ID":"KSV017","Title":"Privileged","Message":"Container app should set privileged to false","Severity":"HIGH","Status":"FAIL","CauseMetadata":{"StartLine":12}},
              {"ID":"KSV011","Title":"CPU not limited","Message":"Container app should set resources.limits.cpu","Severity":"LOW","Status":"FAIL","CauseMetadata":{"StartLine":20}},
              {"ID":"KSV001","Title":"Escalation","Message":"passes","Severity":"MEDIUM","Status":"PASS"}]}]}'
            """);
        var runner = new ToolRunner(new RecordingLog(), new ToolLocator(new Dictionary<string, string> { ["PLATFORM_TOOL_TRIVY"] = script, ["PATH"] = "/nonexistent" }));
        var external = new ExternalValidators(runner, "1.35.0", null, strict: false);

        var (ran, _, findings) = await external.RunAsync(new ManifestUnit("k8s/overlays/dev", "x", true, []), "kind: Deployment # rendered\n", CancellationToken.None);

        Assert.That(ran, Is.EqualTo(new[] { "trivy" }));
        Assert.That(findings.Select(f => (f.Severity, f.Object, f.Path)), Is.EqualTo(new[]
        {
            (Severity.Error, "KSV017", "line 12"),
            (Severity.Warning, "KSV011", "line 20"),
        }), "HIGH is an error, LOW a warning, and a passed check is no finding");
        Assert.That(findings[0].ToString(), Does.Contain("should set privileged to false"));
        Assert.That(File.ReadAllText(record), Does.Contain("config --quiet --format json").And.Contain("kind: Deployment # rendered"),
            "trivy gets the rendered unit, not the raw folder");
    }

    [Test]
    public void Kube_linter_reports_become_warnings()
    {
        const string json = """{"Reports":[{"Check":"no-read-only-root-fs","Object":{"K8sObject":{"Namespace":"dev","Name":"app","GroupVersionKind":{"Kind":"Deployment"}}},"Diagnostic":{"Message":"container app is not read-only"}}]}""";
        var finding = ExternalValidators.ParseKubeLinter(json, "k8s/overlays/dev").Single();
        Assert.That((finding.Severity, finding.Object), Is.EqualTo((Severity.Warning, "Deployment/dev/app")));
    }
}
