using Platform.Build.Settings;

namespace Platform.Build.Tests.Settings;

/// <summary>Bad settings fail before any tool runs, each error naming the setting, the bad value and the fix.</summary>
public class SettingsLoaderTests
{
    private string _root = "";

    [SetUp]
    public void CreateRepository()
    {
        _root = Path.Combine(Path.GetTempPath(), "settings-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_root);
    }

    [TearDown]
    public void RemoveRepository() => Directory.Delete(_root, recursive: true);

    private PlatformSettings Load(string target = "Validate", Dictionary<string, string>? args = null, Dictionary<string, string>? env = null) =>
        SettingsLoader.Load(_root, target, args ?? new(), env ?? new());

    private SettingError LoadFails(string target = "Validate", Dictionary<string, string>? args = null, Dictionary<string, string>? env = null) =>
        Assert.Throws<SettingsException>(() => Load(target, args, env))!.Errors.Single();

    [Test]
    public void Defaults_load_and_the_repository_settings_file_is_valid()
    {
        var settings = Load();
        Assert.That(settings.SelectedEnvironments, Is.EqualTo(new[] { "dev", "test", "acc" }));
        Assert.That(settings.Sources["platform.name"], Is.EqualTo("default"));

        File.Copy(Support.Repo.PathOf("settings.yaml"), Path.Combine(_root, "settings.yaml"));
        Assert.That(Load().Sources["network.podCidr"], Is.EqualTo("settings.yaml"));
    }

    [Test]
    public void Precedence_is_file_then_environment_then_argument()
    {
        File.WriteAllText(Path.Combine(_root, "settings.yaml"), "platform:\n  name: fromfile\n");
        Assert.That(Load().Get("platform.name"), Is.EqualTo("fromfile"));
        var env = new Dictionary<string, string> { ["PLATFORM_PLATFORM_NAME"] = "fromenv" };
        Assert.That(Load(env: env).Get("platform.name"), Is.EqualTo("fromenv"));
        var args = new Dictionary<string, string> { ["platform-name"] = "fromarg" };
        var settings = Load(args: args, env: env);
        Assert.That(settings.Get("platform.name"), Is.EqualTo("fromarg"));
        Assert.That(settings.Sources["platform.name"], Is.EqualTo("--platform-name"));
    }

    [Test]
    public void An_unknown_environment_name_is_refused_by_name()
    {
        var error = LoadFails(args: new() { ["env"] = "dev,prod" });
        Assert.That(error.Key, Is.EqualTo("env"));
        Assert.That(error.Value, Is.EqualTo("prod"));
        Assert.That(error.Fix, Does.Contain("dev, test, acc"));
    }

    [Test]
    public void An_empty_required_value_is_refused_for_the_target_that_needs_it()
    {
        Assert.DoesNotThrow(() => Load("Validate"));
        var errors = Assert.Throws<SettingsException>(() => Load("Plan"))!.Errors;
        Assert.That(errors.Select(e => e.Key), Does.Contain("openstack.externalNetwork").And.Contain("openstack.adminCidrs"));
        Assert.That(errors.First(e => e.Key == "openstack.externalNetwork").Problem, Does.Contain("required by target 'Plan'"));
    }

    [TestCase("network.podCidr", "10.244.0.0/33", "is not a CIDR")]
    [TestCase("network.podCidr", "10.244.0.1/16", "host bits")]
    [TestCase("network.nodeCidr", "10.20.0.0", "no prefix length")]
    [TestCase("openstack.workerCount", "two", "not a whole number")]
    [TestCase("openstack.workerCount", "0", "outside")]
    [TestCase("strictTools", "yes", "not true or false")]
    [TestCase("openstack.floatingIpMode", "nat", "not one of the allowed values")]
    [TestCase("platform.name", "Seed_1", "not a DNS label")]
    [TestCase("gitops.repoUrl", "git.example.org/repo", "not an absolute")]
    [TestCase("kubernetes.version", "1.34.2", "not a Kubernetes 1.35")]
    [TestCase("ingress.baseDomain", "Example.ORG", "lowercase DNS name")]
    public void A_malformed_value_is_refused_with_the_setting_value_and_problem(string key, string value, string problem)
    {
        var error = LoadFails(args: new() { [key] = value });
        Assert.That(error.Key, Is.EqualTo(key));
        Assert.That(error.Value, Is.EqualTo(value));
        Assert.That(error.Problem, Does.Contain(problem));
        Assert.That(error.Fix, Is.Not.Empty);
        Assert.That(error.ToString(), Does.StartWith($"Setting '{key}' = '{value}'"));
    }

    [TestCase("0.0.0.0/0")]
    [TestCase("::/0")]
    public void An_admin_CIDR_open_to_the_internet_is_refused(string cidr)
    {
        var error = LoadFails(args: new() { ["openstack.adminCidrs"] = "203.0.113.0/24," + cidr });
        Assert.That(error.Key, Is.EqualTo("openstack.adminCidrs"));
        Assert.That(error.Value, Is.EqualTo(cidr));
        Assert.That(error.Problem, Does.Contain("whole internet"));
    }

    [TestCase("0.0.0.0/1", "/8")]
    [TestCase("128.0.0.0/7", "/8")]
    [TestCase("2001::/16", "/32")]
    public void An_admin_CIDR_broader_than_the_limit_is_refused(string cidr, string limit)
    {
        var error = LoadFails(args: new() { ["openstack.adminCidrs"] = "203.0.113.0/24," + cidr });
        Assert.That((error.Key, error.Value), Is.EqualTo(("openstack.adminCidrs", cidr)));
        Assert.That(error.Problem, Does.Contain("broader than " + limit));
    }

    [TestCase("10.0.0.0/8")]
    [TestCase("2001:db8::/32")]
    public void An_admin_CIDR_at_the_limit_is_accepted(string cidr) =>
        Assert.That(Load(args: new() { ["openstack.adminCidrs"] = cidr }).GetList("openstack.adminCidrs"), Is.EqualTo(new[] { cidr }));

    [Test]
    public void Overlapping_CIDRs_are_refused_naming_both()
    {
        var error = LoadFails(args: new() { ["network.serviceCidr"] = "10.244.128.0/20" });
        Assert.That(error.Key, Is.EqualTo("network.serviceCidr"));
        Assert.That(error.Problem, Does.Contain("network.podCidr"));
    }

    [TestCase("openstack.adminCidrs", "openstack-admin-cidrs")]
    [TestCase("strictTools", "strict-tools")]
    [TestCase("schemaDir", "schema-dir")]
    [TestCase("openstack.workerFlavorRamMb", "openstack-worker-flavor-ram-mb")]
    public void Each_setting_has_a_dashed_command_line_name(string key, string argument)
    {
        Assert.That(SettingsCatalog.Find(key)!.ArgumentName, Is.EqualTo(argument));
        Assert.That(SettingsCatalog.FindArgument(argument), Is.SameAs(SettingsCatalog.Find(key)));
    }

    [Test]
    public void A_misspelt_dashed_argument_is_refused_with_a_suggestion()
    {
        var error = LoadFails(args: new() { ["openstack-external-netwrk"] = "public" });
        Assert.That(error.Fix, Does.Contain("openstack-external-network"));
    }

    [Test]
    public void A_misspelt_dotted_argument_is_refused_with_a_suggestion()
    {
        var error = LoadFails(args: new() { ["openstack.externalNetwrk"] = "public" });
        Assert.That(error.Key, Is.EqualTo("openstack.externalNetwrk"));
        Assert.That(error.Fix, Does.Contain("openstack.externalNetwork"));
    }

    [Test]
    public void Cake_arguments_are_not_settings()
    {
        Assert.DoesNotThrow(() => Load(args: new() { ["target"] = "Validate", ["verbosity"] = "diagnostic", ["exclusive"] = "true" }));
    }

    [Test]
    public void An_unknown_key_in_the_settings_file_is_refused_with_its_line()
    {
        File.WriteAllText(Path.Combine(_root, "settings.yaml"), "platform:\n  name: seed\n  nmae: typo\n");
        var error = LoadFails();
        Assert.That(error.Key, Is.EqualTo("platform.nmae"));
        Assert.That(error.Problem, Does.Contain("line 3"));
    }

    [Test]
    public void Malformed_settings_YAML_is_refused()
    {
        File.WriteAllText(Path.Combine(_root, "settings.yaml"), "platform: [seed\n");
        Assert.That(LoadFails().Problem, Does.Contain("not valid YAML"));
    }

    [Test]
    public void A_missing_settings_file_named_on_the_command_line_is_refused()
    {
        var error = LoadFails(args: new() { ["settings-file"] = "nope.yaml" });
        Assert.That(error.Key, Is.EqualTo("settings-file"));
    }

    [Test]
    public void Every_problem_is_reported_at_once()
    {
        var errors = Assert.Throws<SettingsException>(() => Load(args: new() { ["openstack.workerCount"] = "x", ["env"] = "prod", ["strictTools"] = "maybe" }))!.Errors;
        Assert.That(errors.Select(e => e.Key), Is.EquivalentTo(new[] { "openstack.workerCount", "strictTools" }),
            "cross checks (env) run only once single values are valid");
    }

    [Test]
    public void Paths_expand_home_and_anchor_at_the_repository()
    {
        var settings = Load(args: new() { ["output"] = "out/x", ["ssh.privateKeyPath"] = "~/.ssh/key" });
        Assert.That(settings.GetPath("output"), Is.EqualTo(Path.Combine(_root, "out", "x")));
        Assert.That(settings.GetPath("ssh.privateKeyPath"), Does.Not.Contain("~").And.EndWith(Path.Combine(".ssh", "key")));
    }
}
