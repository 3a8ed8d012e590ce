using Platform.Build.GitOps;
using Platform.Build.Logging;
using Platform.Build.Reporting;
using Platform.Build.Tools;
using Platform.Build.Validation;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>
/// The cross-checks Validate runs over the GitOps tree (each rule has its own mutation tests beside it): they hold on
/// this repository, and a change Argo CD or Kyverno would refuse makes the Validate target fail, naming it.
/// </summary>
public sealed class GitOpsCrossChecksTests
{
    private static GitOpsInputs Inputs(IReadOnlyList<ManifestObject>? argo = null,
        IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>>? environments = null) =>
        new(argo ?? Argo, environments ?? EnvironmentRenders, PlatformApps, ReadValues, LoadSettings().GetList("images.allowedRegistries"));

    [Test]
    public void They_hold_on_this_repository() =>
        Assert.That(GitOpsCrossChecks.Run(Inputs()), Is.Empty);

    [Test]
    public void An_environment_app_pointed_at_another_namespace_is_a_finding()
    {
        var argo = Copy(Argo);
        Find(argo, "Application", "env-dev").Body.SelectToken("spec.destination")!["namespace"] = "test";
        Assert.That(GitOpsCrossChecks.Run(Inputs(argo)), Has.Some.Contains("env-dev"));
    }

    [Test]
    public void A_workload_Kyverno_would_deny_is_a_finding_but_a_missing_acc_digest_is_not()
    {
        var environments = EnvironmentRenders.ToDictionary(e => e.Key, e => (IReadOnlyList<ManifestObject>)Copy(e.Value));
        Assert.That(GitOpsCrossChecks.Run(Inputs(environments: environments)), Has.None.Contains(PolicyChecks.RequireImageDigest),
            "acc's digest slots are empty in Git; Validate warns about them instead");
        var wordpress = Find(environments["test"], "Deployment", "wordpress");
        wordpress.Body.SelectToken("spec.template.spec.containers[0]")!["image"] = "docker.io/library/wordpress:latest";
        Assert.That(GitOpsCrossChecks.Run(Inputs(environments: environments)), Has.Some.StartWith("test: Kyverno would reject it"));
    }

    [Test]
    public void Validate_fails_on_a_cross_check_finding_and_names_it()
    {
        RequireSchemas();
        var root = TempCopy("argocd", "kyverno", "k8s");
        try
        {
            var file = Path.Combine(root, "argocd", "apps", "env-dev.yaml");
            File.WriteAllText(file, File.ReadAllText(file).Replace("    namespace: dev\n", "    namespace: test\n", StringComparison.Ordinal));
            var settings = LoadSettings(root, new() { ["schemaDir"] = Support.Repo.SchemaDir, ["output"] = Path.Combine(root, "artifacts") });
            var log = new RecordingLog();
            var suite = new Suite(settings, log, new ToolRunner(log, ToolLocator.FromProcess()), new Dictionary<string, string>());

            Assert.Throws<ValidationFailedException>(suite.Validate);
            Assert.That(suite.Summary.Rows.Single(r => r.Subject == "GitOps cross-checks").Status, Is.EqualTo(StepStatus.Failed));
            Assert.That(log.Text, Does.Contain("env-dev"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
