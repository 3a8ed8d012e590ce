using Platform.Build.Logging;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack;

public sealed class CredentialResolverTests
{
    private string _dir = "";

    [SetUp]
    public void TempDir() => System.IO.Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "creds-" + Guid.NewGuid().ToString("N")));

    [TearDown]
    public void Clean() => System.IO.Directory.Delete(_dir, true);

    private static Dictionary<string, string> Env() => new()
    {
        ["OS_AUTH_URL"] = "https://keystone.example.org:5000/v3",
        ["OS_USERNAME"] = "alice",
        ["OS_PASSWORD"] = "s3cret-password",
        ["OS_PROJECT_NAME"] = "platform",
        ["OS_USER_DOMAIN_NAME"] = "Default",
        ["OS_PROJECT_DOMAIN_NAME"] = "Default",
        ["OS_REGION_NAME"] = "RegionOne",
    };

    [Test]
    public void Reads_the_OS_variables_and_registers_the_password_for_redaction()
    {
        var c = CredentialResolver.Resolve(Env(), null, []);
        Assert.That((c.Method, c.UserName, c.ProjectName, c.RegionName, c.Interface), Is.EqualTo((AuthMethod.Password, "alice", "platform", "RegionOne", "public")));
        Assert.That(Redaction.Apply("pw=s3cret-password"), Is.EqualTo("pw=***"));
        Assert.That(c.ToString(), Does.Not.Contain("s3cret"));
    }

    [TestCase("OS_AUTH_URL")]
    [TestCase("OS_PASSWORD")]
    [TestCase("OS_PROJECT_NAME")]
    [TestCase("OS_USER_DOMAIN_NAME")]
    [TestCase("OS_PROJECT_DOMAIN_NAME")]
    [TestCase("OS_USERNAME")]
    public void A_missing_variable_is_reported_by_its_name(string name)
    {
        var env = Env();
        env.Remove(name);
        var error = Assert.Throws<OpenStackCredentialException>(() => CredentialResolver.Resolve(env, null, []))!;
        Assert.That(error.Problems, Has.Count.EqualTo(1));
        Assert.That(error.Problems[0], Does.StartWith(name));
    }

    [Test]
    public void An_application_credential_needs_its_id_and_secret_and_no_project()
    {
        var env = new Dictionary<string, string>
        {
            ["OS_AUTH_URL"] = "https://k/v3",
            ["OS_AUTH_TYPE"] = "v3applicationcredential",
            ["OS_APPLICATION_CREDENTIAL_ID"] = "abc",
        };
        var error = Assert.Throws<OpenStackCredentialException>(() => CredentialResolver.Resolve(env, null, []))!;
        Assert.That(error.Problems.Single(), Does.StartWith("OS_APPLICATION_CREDENTIAL_SECRET"));

        env["OS_APPLICATION_CREDENTIAL_SECRET"] = "app-secret-value";
        var c = CredentialResolver.Resolve(env, null, []);
        var body = Keystone.AuthBody(c, scoped: true).ToJsonString();
        Assert.That(body, Does.Contain("\"application_credential\":{\"id\":\"abc\",\"secret\":\"app-secret-value\"}"));
        Assert.That(body, Does.Not.Contain("scope"), "Keystone refuses a scope with an application credential");
        Assert.That(Redaction.Apply(body), Does.Not.Contain("app-secret-value"));
    }

    [Test]
    public void Reads_the_named_cloud_from_clouds_yaml_with_the_secret_from_secure_yaml()
    {
        File.WriteAllText(Path.Combine(_dir, "clouds.yaml"), """
            clouds:
              other:
                auth: {auth_url: https://other/v3}
              lab:
                region_name: RegionTwo
                interface: internal
                auth:
                  auth_url: https://keystone.lab:5000/v3
                  username: bob
                  project_name: platform
                  user_domain_name: Default
                  project_domain_name: Default
            """);
        File.WriteAllText(Path.Combine(_dir, "secure.yaml"), "clouds:\n  lab:\n    auth:\n      password: from-secure-yaml\n");
        var c = CredentialResolver.Resolve(new Dictionary<string, string>(), "lab", [Path.Combine(_dir, "missing.yaml"), Path.Combine(_dir, "clouds.yaml")]);
        Assert.That((c.AuthUrl, c.UserName, c.Password, c.RegionName, c.Interface),
            Is.EqualTo(("https://keystone.lab:5000/v3", "bob", "from-secure-yaml", "RegionTwo", "internal")));
        Assert.That(c.Source, Does.Contain("clouds.yaml cloud 'lab'"));
    }

    [Test]
    public void A_cloud_missing_from_clouds_yaml_names_the_clouds_there_and_a_missing_field_names_the_key()
    {
        File.WriteAllText(Path.Combine(_dir, "clouds.yaml"), "clouds:\n  lab:\n    auth:\n      auth_url: https://k/v3\n      username: bob\n      user_domain_name: Default\n");
        var paths = new[] { Path.Combine(_dir, "clouds.yaml") };
        var unknown = Assert.Throws<OpenStackCredentialException>(() => CredentialResolver.Resolve(new Dictionary<string, string>(), "prod", paths))!;
        Assert.That(unknown.Message, Does.Contain("has no cloud 'prod'").And.Contain("it has: lab"));

        var incomplete = Assert.Throws<OpenStackCredentialException>(() => CredentialResolver.Resolve(new Dictionary<string, string>(), "lab", paths))!;
        Assert.That(incomplete.Problems, Has.Some.StartsWith("auth.password in clouds.yaml cloud 'lab'"));
        Assert.That(incomplete.Problems, Has.Some.StartsWith("auth.project_name in clouds.yaml cloud 'lab'"));
    }

    [Test]
    public void No_clouds_yaml_anywhere_says_where_it_looked()
    {
        var error = Assert.Throws<OpenStackCredentialException>(() =>
            CredentialResolver.Resolve(new Dictionary<string, string> { ["OS_CLOUD"] = "lab" }, null, [Path.Combine(_dir, "clouds.yaml")]))!;
        Assert.That(error.Message, Does.Contain("no clouds.yaml found").And.Contain(_dir));
    }

    [Test]
    public void The_search_path_follows_the_openstack_clients()
    {
        var paths = CredentialResolver.DefaultSearchPaths(new Dictionary<string, string> { ["HOME"] = "/home/u", ["OS_CLIENT_CONFIG_FILE"] = "/x/c.yaml" }, "/repo");
        Assert.That(paths, Is.EqualTo(new[] { "/x/c.yaml", "/repo/clouds.yaml", "/home/u/.config/openstack/clouds.yaml", "/etc/openstack/clouds.yaml" }));
    }
}
