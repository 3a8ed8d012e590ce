using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack.Lab;

/// <summary>Preflight against the real lab: a ready tenant passes, and each kind of unready tenant fails with its finding.</summary>
[TestFixture, Category("OpenStackLab"), NonParallelizable]
public sealed class PreflightLabTests
{
    private static LabCloud Admin => LabSetUp.Admin;

    private static async Task<(CheckReport Report, string LogText)> Preflight(string project, IDictionary<string, string>? settings = null,
        string? password = null)
    {
        var (suite, log) = LabSetUp.CreateSuite("Preflight", Admin.MemberEnvironment(project, password), settings);
        var report = await suite.RunPreflightAsync();
        TestContext.Out.WriteLine(string.Join("\n", report.Findings));
        return (report, log.Text);
    }

    [Test]
    public async Task Preflight_passes_on_a_ready_tenant_and_the_target_does_not_throw()
    {
        var (report, logText) = await Preflight(LabSetUp.ReadyProject);

        Assert.That(report.Failures, Is.Empty);
        var passed = report.Findings.Where(f => f.Status == FindingStatus.Pass).Select(f => $"{f.Check} {f.Subject}").ToList();
        Assert.That(passed, Is.SupersetOf(new[]
        {
            "auth keystone", "catalog compute", "catalog network", "catalog image", "catalog block-storage",
            "api-version compute", "api-version network", "api-version image", "api-version block-storage",
            "external-network public", "floating-ip public", "quota instances", "quota cores", "quota ram", "quota volumes",
            "quota gigabytes", "quota networks", "quota routers", "quota floatingips", "quota security_groups",
            "quota security_group_rules", $"image {LabSetUp.Image}", "flavor m1.medium", "flavor m1.large", "keypair labpf",
            "application-credentials keystone", "extension router",
        }));
        // The lab has no port-forwarding plugin: reported, and fine for the default mode.
        Assert.That(report.Findings.Single(f => f.Subject == PreflightPlan.PortForwardingExtension).Status, Is.EqualTo(FindingStatus.Info));
        Assert.That(logText, Does.Not.Contain(Admin.MemberPassword));

        var (suite, _) = LabSetUp.CreateSuite("Preflight", Admin.MemberEnvironment(LabSetUp.ReadyProject));
        Assert.DoesNotThrow(() => suite.Preflight());
        Assert.That(suite.Summary.Rows.Any(r => r.Subject == "auth keystone" && r.Status == Reporting.StepStatus.Passed));
        // The probes leave nothing behind: no floating IP, no application credential.
        using var member = await Client.OpenStackSessionFor(Admin.MemberCredentials(LabSetUp.ReadyProject));
        var api = new Build.OpenStack.Client.OpenStackApi(member);
        Assert.That(await api.FloatingIpsAsync(), Is.Empty);
        Assert.That((await api.ApplicationCredentialsAsync()).Where(a => a.Name.Contains("preflight-probe")), Is.Empty);
    }

    [Test]
    public async Task Preflight_reads_the_cloud_named_in_settings_from_clouds_yaml()
    {
        var dir = Path.Combine(Path.GetTempPath(), "oslab-clouds-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "clouds.yaml"), $"""
            clouds:
              lab:
                region_name: {LabCloud.Region}
                auth:
                  auth_url: {OpenStackLab.AuthUrl}
                  username: {LabCloud.MemberUser}
                  project_name: {LabSetUp.ReadyProject}
                  user_domain_name: Default
                  project_domain_name: Default
            """);
        File.WriteAllText(Path.Combine(dir, "secure.yaml"), $"clouds:\n  lab:\n    auth:\n      password: {Admin.MemberPassword}\n");
        var environment = new Dictionary<string, string> { ["OS_CLIENT_CONFIG_FILE"] = Path.Combine(dir, "clouds.yaml"), ["HOME"] = dir };
        var (suite, log) = LabSetUp.CreateSuite("Preflight", environment, new Dictionary<string, string> { ["openstack.cloud"] = "lab" });

        var report = await suite.RunPreflightAsync();

        Assert.That(report.Failures, Is.Empty);
        Assert.That(log.Text, Does.Contain("clouds.yaml cloud 'lab'").And.Not.Contain(Admin.MemberPassword));
        Directory.Delete(dir, true);
    }

    [Test]
    public void Preflight_names_a_missing_credential()
    {
        var environment = Admin.MemberEnvironment(LabSetUp.ReadyProject);
        environment.Remove("OS_PASSWORD");
        var (suite, _) = LabSetUp.CreateSuite("Preflight", environment);
        var error = Assert.Throws<Build.OpenStack.Client.OpenStackCredentialException>(() => suite.Preflight())!;
        Assert.That(error.Problems.Single(), Does.StartWith("OS_PASSWORD is missing"));
        Assert.That(suite.Summary.Rows.Single().Detail, Does.StartWith("OS_PASSWORD is missing"));
    }

    [Test]
    public async Task Preflight_fails_when_the_external_network_is_missing()
    {
        var (report, _) = await Preflight(LabSetUp.ReadyProject, new Dictionary<string, string> { ["openstack.externalNetwork"] = "no-such-net" });
        var finding = LabSetUp.Failed(report, "external-network").Single();
        Assert.That(finding.Detail, Does.Contain("no network named 'no-such-net'"));
        Assert.That(finding.Fix, Does.Contain("openstack.externalNetwork"));
    }

    [Test]
    public async Task Preflight_fails_when_the_network_is_not_external()
    {
        var (report, _) = await Preflight(LabSetUp.ReadyProject, new Dictionary<string, string> { ["openstack.externalNetwork"] = LabSetUp.InternalNetwork });
        Assert.That(LabSetUp.Failed(report, "external-network").Single().Detail, Does.Contain("not router:external"));
    }

    [Test]
    public async Task Preflight_fails_when_the_floating_ip_pool_is_exhausted()
    {
        var (report, _) = await Preflight(LabSetUp.ReadyProject, new Dictionary<string, string> { ["openstack.externalNetwork"] = LabSetUp.FullExternalNetwork });
        Assert.That(LabSetUp.Failed(report, "external-network"), Is.Empty);
        Assert.That(LabSetUp.Failed(report, "floating-ip").Single().Detail, Does.Contain("exhausted"));
    }

    [TestCase("instances", 2)]
    [TestCase("cores", 6)]
    [TestCase("ram", 12288)]
    public async Task Preflight_fails_when_a_compute_quota_is_too_small(string quota, int limit)
    {
        var project = "platform-tight-" + quota;
        var id = await Admin.EnsureMemberProjectAsync(project);
        await Admin.SetComputeQuotaAsync(id, quota, limit);

        var (report, _) = await Preflight(project);

        var failed = LabSetUp.Failed(report, "quota").ToList();
        Assert.That(failed.Select(f => f.Subject), Is.EqualTo(new[] { quota }));
        Assert.That(failed[0].Detail, Does.Contain($"of {limit} are free"));
        Assert.That(failed[0].Fix, Does.Contain("raise the " + quota));
    }

    [Test]
    public async Task Preflight_needs_room_for_the_intended_rules_and_neutrons_own_in_the_real_rule_quota()
    {
        const string project = "platform-tight-secgroups";
        var id = await Admin.EnsureMemberProjectAsync(project);
        var (suite, _) = LabSetUp.CreateSuite("Preflight", Admin.MemberEnvironment(project));
        var intent = await suite.SecurityIntentSource(CancellationToken.None);
        var report = await suite.RunPreflightAsync();

        // Preflight reads the default group before the quotas; Neutron has created it by then and counts it as used.
        var need = intent.Rules.Count + NeutronSecurityGroups.NewGroupEgressRules * intent.Groups.Count;
        var rules = report.Findings.Single(f => f.Subject == "security_group_rules");
        Assert.That(rules.Detail, Does.StartWith($"needs {need} ({intent.Rules.Count} of the rule matrix").And.Contain("the default group exists already"));
        var usage = (await Admin.Session.GetAsync(ServiceTypes.Network, $"v2.0/quotas/{id}/details")).GetProperty("quota");
        var used = usage.GetProperty("security_group_rule").GetProperty("used").GetInt64();
        Assert.That(used, Is.EqualTo(NeutronSecurityGroups.DefaultGroupRules), "the default group's rules, as Neutron counts them");
        Assert.That(usage.GetProperty("security_group").GetProperty("used").GetInt64(), Is.EqualTo(1));

        await SetNetworkQuotaAsync(id, "security_group_rule", used + need - 1);
        var (tight, _) = await Preflight(project);
        var failed = LabSetUp.Failed(tight, "quota").Single();
        Assert.That(failed.Subject, Is.EqualTo("security_group_rules"));
        Assert.That(failed.Fix, Does.Contain($"raise the security_group_rules quota to at least {used + need}"));

        await SetNetworkQuotaAsync(id, "security_group_rule", used + need);
        await SetNetworkQuotaAsync(id, "security_group", 1 + intent.Groups.Count - 1);
        var (enoughRules, _) = await Preflight(project);
        Assert.That(LabSetUp.Failed(enoughRules, "quota").Select(f => f.Subject), Is.EqualTo(new[] { "security_groups" }));

        await SetNetworkQuotaAsync(id, "security_group", 1 + intent.Groups.Count);
        var (enough, _) = await Preflight(project);
        Assert.That(enough.Failures, Is.Empty);
    }

    private static Task SetNetworkQuotaAsync(string projectId, string key, long value) =>
        Admin.SendAsync(ServiceTypes.Network, HttpMethod.Put, $"v2.0/quotas/{projectId}", $$$"""{"quota": {"{{{key}}}": {{{value}}}}}""");

    [Test]
    public async Task Preflight_fails_when_the_image_is_missing()
    {
        var (report, _) = await Preflight(LabSetUp.ReadyProject, new Dictionary<string, string> { ["openstack.image"] = "no-such-image" });
        Assert.That(LabSetUp.Failed(report, "image").Single().Detail, Does.Contain("no image named 'no-such-image'"));
    }

    [Test]
    public async Task Preflight_fails_when_the_flavor_is_too_small()
    {
        var (report, _) = await Preflight(LabSetUp.ReadyProject, new Dictionary<string, string> { ["openstack.controlPlaneFlavor"] = "m1.small" });
        var finding = LabSetUp.Failed(report, "flavor").Single();
        Assert.That(finding.Subject, Is.EqualTo("m1.small"));
        Assert.That(finding.Detail, Does.Contain("1 vCPUs < 2").And.Contain("2048 MiB RAM < 4096"));
    }

    [Test]
    public async Task Preflight_fails_on_a_wrong_password_and_says_so_without_leaking_it()
    {
        const string wrong = "wrong-password-1234";
        var (suite, log) = LabSetUp.CreateSuite("Preflight", Admin.MemberEnvironment(LabSetUp.ReadyProject, wrong));
        var error = Assert.Throws<OpenStackCheckFailedException>(() => suite.Preflight())!;

        var auth = LabSetUp.Failed(error.Report, "auth").Single();
        Assert.That(auth.Detail, Does.Contain("refused the user or password"));
        Assert.That(error.Report.Findings, Has.Count.EqualTo(1), "nothing else can be checked without a token");
        Assert.That(log.Text + error.Message + error.Report.ToJson(), Does.Not.Contain(wrong));
    }

    [Test]
    public async Task Preflight_fails_on_a_wrong_project_and_lists_the_users_projects()
    {
        var (report, _) = await Preflight("no-such-project");
        var auth = LabSetUp.Failed(report, "auth").Single();
        Assert.That(auth.Detail, Does.Contain("the password is right, but the project was refused").And.Contain(LabSetUp.ReadyProject));
    }

    [Test]
    public async Task Preflight_refuses_port_forwarding_mode_when_the_extension_is_missing()
    {
        var (report, _) = await Preflight(LabSetUp.ReadyProject, new Dictionary<string, string> { ["openstack.floatingIpMode"] = "port-forwarding" });
        Assert.That(LabSetUp.Failed(report, "extension").Single().Subject, Is.EqualTo(PreflightPlan.PortForwardingExtension));
    }
}

internal static class Client
{
    public static Task<Build.OpenStack.Client.OpenStackSession> OpenStackSessionFor(Build.OpenStack.Client.OpenStackCredentials credentials) =>
        Build.OpenStack.Client.OpenStackSession.ConnectAsync(credentials, new Logging.RecordingLog());
}
