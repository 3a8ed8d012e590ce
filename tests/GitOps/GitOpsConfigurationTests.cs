using Platform.Build.GitOps;
using Platform.Build.Settings;
using Platform.Build.Validation;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>Configure writes the GitOps files from settings; FindStale (called by Validate) reports when Git carries other values.</summary>
public sealed class GitOpsConfigurationTests
{
    private string _root = "";

    [SetUp]
    public void CopyRepository() => _root = TempCopy("argocd", "kyverno");

    [TearDown]
    public void RemoveCopy() => Directory.Delete(_root, recursive: true);

    [Test]
    public void The_committed_files_match_the_committed_settings() =>
        Assert.That(GitOpsConfiguration.FindStale(LoadSettings()), Is.Empty);

    [Test]
    public void A_changed_repository_url_makes_the_files_stale_until_Configure_writes_them_and_then_every_Application_uses_it()
    {
        var settings = LoadSettings(_root, new() { ["gitops.repoUrl"] = "https://git.other.example/team/platform.git", ["gitops.accRevision"] = "v2.0.1" });

        var stale = GitOpsConfiguration.FindStale(settings);
        Assert.That(stale, Has.Count.EqualTo(1).And.Some.Contains(GitOpsConfiguration.SourceFile).And.Some.Contains("--target=Configure"));

        Assert.That(GitOpsConfiguration.Write(settings), Is.EqualTo(new[] { GitOpsConfiguration.SourceFile }));
        Assert.That(GitOpsConfiguration.FindStale(settings), Is.Empty);

        var rendered = ManifestRenderer.Render(Path.Combine(_root, "argocd", "apps"));
        var thisRepo = rendered.Where(o => o.Kind == "Application" && o.At("metadata.labels['platform.gitops/source']")?.ToString() == "this-repo").ToList();
        Assert.That(thisRepo, Has.Count.GreaterThanOrEqualTo(7));
        Assert.Multiple(() =>
        {
            foreach (var app in thisRepo)
            {
                Assert.That((string?)app.At("spec.source.repoURL"), Is.EqualTo("https://git.other.example/team/platform.git"), app.Name);
                var expected = app.At("metadata.labels.environment")?.ToString() == "acc" ? "v2.0.1" : "main";
                Assert.That((string?)app.At("spec.source.targetRevision"), Is.EqualTo(expected), app.Name);
            }
            foreach (var app in rendered.Where(o => o.Kind == "Application" && o.At("spec.sources") is not null))
                Assert.That((string?)app.At("spec.sources[?(@.ref == 'values')].repoURL"), Is.EqualTo("https://git.other.example/team/platform.git"), app.Name);
            foreach (var project in rendered.Where(o => o.Kind == "AppProject" && o.Name != "default"))
                Assert.That((string?)project.At("spec.sourceRepos[0]"), Is.EqualTo("https://git.other.example/team/platform.git"), project.Name);
        });
    }

    [Test]
    public void Allowed_registries_and_the_base_domain_flow_into_the_policy_and_the_Argo_CD_values()
    {
        var settings = LoadSettings(_root, new() { ["images.allowedRegistries"] = "registry.example.org,harbor.internal:5000", ["ingress.baseDomain"] = "apps.example.net" });

        Assert.That(GitOpsConfiguration.FindStale(settings), Has.Count.EqualTo(2));
        GitOpsConfiguration.Write(settings);

        var policy = File.ReadAllText(Path.Combine(_root, GitOpsConfiguration.RegistryPolicyFile));
        Assert.That(policy, Does.Contain("expression: \"['registry.example.org', 'harbor.internal:5000']\""));
        var values = File.ReadAllText(Path.Combine(_root, GitOpsConfiguration.ArgoCdValuesFile));
        Assert.That(values, Does.Contain("  domain: argocd.apps.example.net\n").And.Contain("    url: https://argocd.apps.example.net\n"));
        Assert.That(GitOpsConfiguration.FindStale(settings), Is.Empty);
    }

    [Test]
    public void The_OIDC_issuer_and_client_id_flow_into_the_Argo_CD_values_and_the_secret_never_does()
    {
        var settings = LoadSettings(_root, new() { ["argocd.oidcIssuer"] = "https://login.example.net/realms/ops", ["argocd.oidcClientId"] = "argo-cd-prod" });
        GitOpsConfiguration.Write(settings);
        var values = File.ReadAllText(Path.Combine(_root, GitOpsConfiguration.ArgoCdValuesFile));
        Assert.That(values, Does.Contain("      issuer: https://login.example.net/realms/ops\n").And.Contain("      clientID: argo-cd-prod\n")
            .And.Contain("clientSecret: $argocd-oidc:clientSecret"));
        Assert.That(ArgoCdRbac.Check(values), Is.Empty);

        Assert.Throws<GitOpsConfigurationException>(() => GitOpsConfiguration.Write(LoadSettings(_root, new() { ["argocd.oidcClientId"] = "a b" })));
    }

    [Test]
    public void A_hand_edited_source_file_is_reported_stale()
    {
        var path = Path.Combine(_root, GitOpsConfiguration.SourceFile);
        File.WriteAllText(path, File.ReadAllText(path).Replace("revision: \"main\"", "revision: \"feature-x\""));
        Assert.That(GitOpsConfiguration.FindStale(LoadSettings(_root)), Has.One.Contains("is stale"));
    }

    [Test]
    public void A_registry_with_a_path_is_refused_and_nothing_is_written()
    {
        var settings = LoadSettings(_root, new() { ["images.allowedRegistries"] = "registry.example.org/platform", ["gitops.revision"] = "release-1" });
        var before = File.ReadAllText(Path.Combine(_root, GitOpsConfiguration.SourceFile));

        var error = Assert.Throws<GitOpsConfigurationException>(() => GitOpsConfiguration.Write(settings))!;
        Assert.That(error.Message, Does.Contain("images.allowedRegistries").And.Contain("Fix:"));
        Assert.That(File.ReadAllText(Path.Combine(_root, GitOpsConfiguration.SourceFile)), Is.EqualTo(before), "nothing half-done");
        Assert.That(GitOpsConfiguration.FindStale(settings), Has.Some.Contains("images.allowedRegistries"));
    }

    [Test]
    public void A_policy_that_lost_its_registry_variable_gives_an_error_naming_the_file()
    {
        var path = Path.Combine(_root, GitOpsConfiguration.RegistryPolicyFile);
        File.WriteAllText(path, File.ReadAllText(path).Replace("- name: allowedRegistries", "- name: registries"));
        Assert.That(GitOpsConfiguration.FindStale(LoadSettings(_root)), Has.One.Contains(GitOpsConfiguration.RegistryPolicyFile).And.Contains("allowedRegistries"));
    }

    [TestCase("gitops.revision", "HEAD")]
    [TestCase("gitops.accRevision", "head")]
    [TestCase("gitops.accRevision", "v1.*")]
    [TestCase("gitops.revision", "main~1")]
    public void A_moving_or_ranged_revision_is_refused_by_the_settings(string key, string value)
    {
        var error = Assert.Throws<SettingsException>(() => LoadSettings(_root, new() { [key] = value }))!;
        Assert.That(error.Errors, Has.One.Matches<SettingError>(e => e.Key == key && e.Fix.Length > 0));
    }

    [Test]
    public void Without_an_acc_revision_acc_follows_the_main_revision()
    {
        var source = GitOpsSource.From(LoadSettings(_root, new() { ["gitops.revision"] = "v1.2.3" }));
        Assert.That(source, Is.EqualTo(new GitOpsSource("https://git.example.org/platform/seed.git", "v1.2.3", "v1.2.3")));
    }

    [Test]
    public void Values_with_yaml_special_characters_stay_one_quoted_scalar()
    {
        var text = GitOpsConfiguration.RenderSourceFile(new("https://git.example.org/a#b: c.git", "main", "v1"));
        var data = YamlManifests.Parse(text, "test").Single().Body["data"]!;
        Assert.That((string?)data["repoURL"], Is.EqualTo("https://git.example.org/a#b: c.git"));
    }
}
