using Platform.Build.Environments;
using Platform.Build.Logging;
using Platform.Build.Tests.Support;
using Platform.Build.Tools;

namespace Platform.Build.Tests.Environments;

[TestFixture]
public class ConfigurationTests
{
    private string _root = "";

    [SetUp]
    public void CopyRepository()
    {
        // A scratch copy of what Configure touches: settings.yaml and k8s/ (kept small: no build outputs).
        _root = Path.Combine(Path.GetTempPath(), "envs-configure-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
        File.Copy(Repo.PathOf("settings.yaml"), Path.Combine(_root, "settings.yaml"));
        File.WriteAllText(Path.Combine(_root, "build.cake"), "");
        CopyDirectory(Repo.PathOf("k8s"), Path.Combine(_root, "k8s"));
    }

    [TearDown]
    public void Remove() => Directory.Delete(_root, recursive: true);

    [Test]
    public void The_committed_files_match_the_default_settings()
    {
        var settings = Rendered.DefaultSettings();
        Assert.That(EnvironmentConfiguration.FindStale(settings), Is.Empty);
        Assert.That(EnvironmentConfiguration.Write(Rendered.DefaultSettings(root: _root)), Is.Empty, "Configure on current files changes nothing");
        foreach (var env in Rendered.Environments)
            Assert.That(File.ReadAllText(EnvironmentConfiguration.SettingsFile(Repo.Root, env)),
                Is.EqualTo(EnvironmentConfiguration.Render(EnvironmentConfiguration.Host(settings, env), EnvironmentConfiguration.Registry(settings))),
                $"{env}: the committed file is not what Configure writes for the default settings");
    }

    [Test]
    public void A_changed_base_domain_makes_every_overlay_stale_until_Configure_runs()
    {
        var settings = Rendered.DefaultSettings(new Dictionary<string, string> { ["ingress.baseDomain"] = "apps.example.com" }, _root);
        var stale = EnvironmentConfiguration.FindStale(settings);
        Assert.That(stale, Has.Count.EqualTo(3));
        Assert.That(stale, Has.All.Contains("ingress.baseDomain").And.All.Contains("run ./build.sh --target=Configure"));
        Assert.That(stale[0], Does.Contain("wordpress.dev.seed.example.org").And.Contain("wordpress.dev.apps.example.com"));

        var log = new RecordingLog();
        var suite = new Suite(settings, log, new ToolRunner(log, ToolLocator.FromProcess()), new Dictionary<string, string>());
        suite.ConfigureEnvironments(); // the Environments half of the Configure target
        Assert.That(EnvironmentConfiguration.FindStale(settings), Is.Empty);

        // The real render now carries the new host, in the rule and the certificate.
        var objects = Platform.Build.Validation.ManifestRenderer.Render(Path.Combine(_root, "k8s", "overlays", "acc"));
        var ingress = Rendered.Find(objects, "Ingress", "wordpress");
        Assert.That((string?)ingress.At("spec.rules[0].host"), Is.EqualTo("wordpress.acc.apps.example.com"));
        Assert.That((string?)ingress.At("spec.tls[0].hosts[0]"), Is.EqualTo("wordpress.acc.apps.example.com"));
    }

    [Test]
    public void A_changed_registry_is_stale_and_renders_after_Configure()
    {
        var settings = Rendered.DefaultSettings(new Dictionary<string, string> { ["images.registry"] = "harbor.corp.example/web", ["env"] = "test" }, _root);
        Assert.That(EnvironmentConfiguration.FindStale(settings), Has.Count.EqualTo(1).And.Some.Contains("images.registry"));
        EnvironmentConfiguration.Write(settings);
        var objects = Platform.Build.Validation.ManifestRenderer.Render(Path.Combine(_root, "k8s", "overlays", "test"));
        Assert.That((string?)Rendered.Find(objects, "Deployment", "wordpress").At("spec.template.spec.containers[0].image"),
            Is.EqualTo("harbor.corp.example/web/wordpress-pg:6.7.1-1"), "the overlay's tag survives the generated registry");
    }

    [Test]
    public void A_missing_or_hand_broken_file_is_reported()
    {
        var settings = Rendered.DefaultSettings(root: _root);
        File.Delete(EnvironmentConfiguration.SettingsFile(_root, "dev"));
        File.WriteAllText(EnvironmentConfiguration.SettingsFile(_root, "test"), "images: [unclosed");
        var stale = EnvironmentConfiguration.FindStale(settings);
        Assert.That(stale, Has.Some.Contains("overlays/dev/app/settings/kustomization.yaml is missing"));
        Assert.That(stale, Has.Some.Contains("overlays/test").And.Some.Contains("(none)"));
    }

    [Test]
    public void Configure_refuses_an_environment_without_an_overlay()
    {
        var settings = Rendered.DefaultSettings(new Dictionary<string, string> { ["environments"] = "dev,prod" }, _root);
        Assert.That(() => EnvironmentConfiguration.Write(settings),
            Throws.InvalidOperationException.With.Message.Contains("prod").And.Message.Contains("k8s/overlays/<env>/"));
        Assert.That(File.Exists(EnvironmentConfiguration.SettingsFile(_root, "prod")), Is.False, "nothing half-done");
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
    }
}
