using Platform.Build.Logging;
using Platform.Build.Settings;
using Platform.Build.Terraform;

namespace Platform.Build.Tests.Terraform;

[TestFixture]
public sealed class CloudCredentialsTests
{
    [Test]
    public void Password_credentials_from_the_environment_pass()
    {
        using var repo = new TempRepo();
        var env = TestEnvironments.PasswordAuth();
        var credentials = CloudCredentials.Check(repo.Settings("Plan", env), env);
        Assert.That(credentials.AuthUrl, Is.EqualTo("https://keystone.example.org:5000/v3"));
        Assert.That(credentials.Region, Is.EqualTo("RegionOne"));
        Assert.That(credentials.ToolEnvironment, Is.Empty);
        Assert.That(credentials.Warnings, Is.Empty, "a password login can create the CSI application credential");
        Assert.That(Redaction.Apply("x pa55-word-never-logged"), Does.Not.Contain("pa55"));
    }

    [Test]
    public void Nothing_set_names_every_missing_variable()
    {
        using var repo = new TempRepo();
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent-home" };
        var e = Assert.Throws<SettingsException>(() => CloudCredentials.Check(repo.Settings("Plan", env), env))!;
        Assert.That(e.Errors.Select(x => x.Key), Is.EquivalentTo(new[] { "OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_PROJECT_NAME" }));
        Assert.That(e.Message, Does.Contain("openstack.cloud"));
    }

    [TestCase("OS_PASSWORD")]
    [TestCase("OS_AUTH_URL")]
    [TestCase("OS_USER_DOMAIN_NAME")]
    [TestCase("OS_PROJECT_NAME")]
    public void One_missing_variable_is_named(string variable)
    {
        using var repo = new TempRepo();
        var env = TestEnvironments.PasswordAuth();
        env.Remove(variable);
        var e = Assert.Throws<SettingsException>(() => CloudCredentials.Check(repo.Settings("Plan", env), env))!;
        Assert.That(e.Errors.Single().Key, Is.EqualTo(variable));
    }

    [Test]
    public void Application_credential_needs_its_secret()
    {
        using var repo = new TempRepo();
        var env = new Dictionary<string, string> { ["OS_AUTH_URL"] = "https://k.example.org/v3", ["OS_APPLICATION_CREDENTIAL_ID"] = "abc" };
        var e = Assert.Throws<SettingsException>(() => CloudCredentials.Check(repo.Settings("Plan", env), env))!;
        Assert.That(e.Errors.Single().Key, Is.EqualTo("OS_APPLICATION_CREDENTIAL_SECRET"));
        env["OS_APPLICATION_CREDENTIAL_SECRET"] = "app-cred-secret-value";
        Assert.That(CloudCredentials.Check(repo.Settings("Plan", env), env).Source, Does.Contain("OS_*"));
    }

    [TestCase("OS_APPLICATION_CREDENTIAL_ID", "abc")]
    [TestCase("OS_APPLICATION_CREDENTIAL_NAME", "platform-ci")]
    public void Application_credential_login_warns_that_the_CSI_credential_needs_an_unrestricted_one(string variable, string value)
    {
        using var repo = new TempRepo();
        var env = new Dictionary<string, string>
        {
            ["OS_AUTH_URL"] = "https://k.example.org/v3",
            [variable] = value,
            ["OS_APPLICATION_CREDENTIAL_SECRET"] = "app-cred-secret-value",
        };
        var warning = CloudCredentials.Check(repo.Settings("Plan", env), env).Warnings.Single();
        Assert.That(warning, Does.Contain("application credential").And.Contain("Cinder CSI"));
        Assert.That(warning, Does.Contain("--unrestricted").And.Contain("password"), "names the fix");
        Assert.That(warning, Does.Not.Contain("app-cred-secret-value"));
    }

    [Test]
    public void Application_credential_auth_type_needs_an_id_and_warns()
    {
        using var repo = new TempRepo();
        var env = new Dictionary<string, string>
        {
            ["OS_AUTH_URL"] = "https://k.example.org/v3",
            ["OS_AUTH_TYPE"] = "v3applicationcredential",
            ["OS_APPLICATION_CREDENTIAL_SECRET"] = "s3cr3t-app",
        };
        var e = Assert.Throws<SettingsException>(() => CloudCredentials.Check(repo.Settings("Plan", env), env))!;
        Assert.That(e.Errors.Single().Key, Is.EqualTo("OS_APPLICATION_CREDENTIAL_ID"));
        env["OS_APPLICATION_CREDENTIAL_ID"] = "abc";
        Assert.That(CloudCredentials.Check(repo.Settings("Plan", env), env).Warnings, Has.Count.EqualTo(1));
    }

    [TestCase("auth_type: v3applicationcredential\n    auth:\n      auth_url: https://keystone.example.org/v3\n      application_credential_id: abc\n      application_credential_secret: yaml-app-secret")]
    [TestCase("auth:\n      auth_url: https://keystone.example.org/v3\n      application_credential_name: ci\n      application_credential_secret: yaml-app-secret")]
    public void Clouds_yaml_application_credential_warns(string cloud)
    {
        using var repo = new TempRepo();
        File.WriteAllText(Path.Combine(repo.Root, "clouds.yaml"), "clouds:\n  mycloud:\n    " + cloud + "\n");
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent-home" };
        var credentials = CloudCredentials.Check(repo.Settings("Plan", env, ("openstack.cloud", "mycloud")), env);
        Assert.That(credentials.Warnings.Single(), Does.Contain("cloud 'mycloud'").And.Contain("--unrestricted"));
    }

    [Test]
    public void Clouds_yaml_cloud_is_used_and_passed_to_terraform()
    {
        using var repo = new TempRepo();
        var file = Path.Combine(repo.Root, "clouds.yaml");
        File.WriteAllText(file, """
            clouds:
              mycloud:
                auth:
                  auth_url: https://keystone.example.org/v3
                  username: alice
                  password: clouds-yaml-secret-pw
                  project_name: platform
                region_name: RegionTwo
            """);
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent-home" };
        var credentials = CloudCredentials.Check(repo.Settings("Plan", env, ("openstack.cloud", "mycloud")), env);
        Assert.That(credentials.ToolEnvironment["OS_CLOUD"], Is.EqualTo("mycloud"));
        Assert.That(credentials.ToolEnvironment["OS_CLIENT_CONFIG_FILE"], Is.EqualTo(file));
        Assert.That(credentials.AuthUrl, Is.EqualTo("https://keystone.example.org/v3"));
        Assert.That(credentials.Region, Is.EqualTo("RegionTwo"));
        Assert.That(credentials.Warnings, Is.Empty);
        Assert.That(Redaction.Apply("clouds-yaml-secret-pw"), Is.EqualTo(Redaction.Mask));
    }

    [Test]
    public void Unknown_cloud_name_is_refused_listing_the_known_ones()
    {
        using var repo = new TempRepo();
        File.WriteAllText(Path.Combine(repo.Root, "clouds.yaml"), "clouds:\n  other:\n    auth:\n      auth_url: https://k/v3\n");
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent-home" };
        var e = Assert.Throws<SettingsException>(() => CloudCredentials.Check(repo.Settings("Plan", env, ("openstack.cloud", "mycloud")), env))!;
        Assert.That(e.Errors.Single().Key, Is.EqualTo("openstack.cloud"));
        Assert.That(e.Errors.Single().Fix, Does.Contain("other"));
    }

    [Test]
    public void Cloud_name_without_clouds_yaml_is_refused()
    {
        using var repo = new TempRepo();
        var env = new Dictionary<string, string> { ["HOME"] = "/nonexistent-home", ["OS_CLOUD"] = "mycloud" };
        if (File.Exists("/etc/openstack/clouds.yaml")) Assert.Ignore("this machine has /etc/openstack/clouds.yaml");
        var e = Assert.Throws<SettingsException>(() => CloudCredentials.Check(repo.Settings("Plan", env), env))!;
        Assert.That(e.Errors.Single().Key, Is.EqualTo("clouds.yaml"));
    }
}
