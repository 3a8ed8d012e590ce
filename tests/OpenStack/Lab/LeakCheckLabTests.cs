using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack.Lab;

/// <summary>The leak check against the real lab: clean after a full teardown; failing on a port or a volume left behind.</summary>
[TestFixture, Category("OpenStackLab"), NonParallelizable]
public sealed class LeakCheckLabTests
{
    private const string Project = "platform-leak";
    private const string Platform = "lableak";
    private LabTenant _tenant = null!;
    private string _external = "";

    [OneTimeSetUp]
    public async Task Connect()
    {
        _tenant = await LabTenant.ConnectAsync(LabSetUp.Admin, Project, Platform);
        await _tenant.TeardownAsync();
        _external = (await _tenant.Api.NetworksAsync(LabSetUp.ExternalNetwork)).Single().Id;
    }

    [OneTimeTearDown]
    public async Task Cleanup()
    {
        await _tenant.TeardownAsync();
        _tenant.Dispose();
    }

    private static async Task<(CheckReport Report, Suite Suite)> LeakCheck()
    {
        var (suite, _) = LabSetUp.CreateSuite("LeakCheck", LabSetUp.Admin.MemberEnvironment(Project), null, Platform);
        var report = await suite.RunLeakCheckAsync();
        TestContext.Out.WriteLine(string.Join("\n", report.Findings));
        return (report, suite);
    }

    [Test, Order(1)]
    public async Task The_leak_check_passes_after_a_clean_teardown_of_everything_the_platform_had()
    {
        await _tenant.BuildAsync(IntentBuilder.Kubernetes(Platform, ["198.18.0.0/24"]), _external);
        await _tenant.CreateVolumeAsync($"{Platform}-worker-0-data");
        await _tenant.PostAsync(ServiceTypes.Compute, "os-keypairs", $$$$"""{"keypair": {"name": "{{{{Platform}}}}"}}""");
        await _tenant.Api.CreateApplicationCredentialAsync($"{Platform}-ci", DateTimeOffset.UtcNow.AddHours(1));
        var (before, _) = await LeakCheck();
        var kinds = LabSetUp.Failed(before, "leak").Select(f => f.Subject.Split(' ')[0]).Distinct().ToList();
        Assert.That(kinds, Is.SupersetOf(new[] { "server", "floating", "port", "volume", "router", "network", "security", "application", "keypair" }),
            "before teardown every kind is found");

        await _tenant.TeardownAsync();

        var (after, suite) = await LeakCheck();
        Assert.That(after.Failures, Is.Empty);
        Assert.DoesNotThrow(() => suite.LeakCheck());
    }

    [Test, Order(2)]
    public async Task The_leak_check_fails_when_one_port_is_left_behind()
    {
        await _tenant.BuildNetworkAsync("10.20.0.0/24", _external);
        var port = (await _tenant.PostAsync(ServiceTypes.Network, "v2.0/ports",
            $$$$"""{"port": {"name": "{{{{Platform}}}}-node-port", "network_id": "{{{{_tenant.NetworkId}}}}"}}""")).GetProperty("port").GetProperty("id").GetString()!;
        await _tenant.TeardownAsync(keepPortId: port);

        var (report, suite) = await LeakCheck();
        var leaks = LabSetUp.Failed(report, "leak").ToList();
        Assert.That(leaks.Select(f => f.Subject), Does.Contain($"port {Platform}-node-port"));
        Assert.That(leaks.Single(f => f.Subject.StartsWith("port", StringComparison.Ordinal)).Fix, Does.Contain($"openstack port delete {port}"));
        Assert.That(leaks.Select(f => f.Subject.Split(' ')[0]), Is.SubsetOf(new[] { "port", "network" }), "only the port and the network it holds");
        Assert.Throws<OpenStackCheckFailedException>(() => suite.LeakCheck());

        await _tenant.TeardownAsync();
        Assert.That((await LeakCheck()).Report.Failures, Is.Empty);
    }

    [Test, Order(3)]
    public async Task The_leak_check_fails_when_one_volume_is_left_behind()
    {
        var volume = await _tenant.CreateVolumeAsync($"{Platform}-worker-1-data");
        await _tenant.TeardownAsync(keepVolumeId: volume);

        var (report, _) = await LeakCheck();
        var leak = LabSetUp.Failed(report, "leak").Single();
        Assert.That(leak.Subject, Is.EqualTo($"volume {Platform}-worker-1-data"));
        Assert.That(leak.Detail, Does.Contain(volume));

        await _tenant.TeardownAsync();
        Assert.That((await LeakCheck()).Report.Failures, Is.Empty);
    }
}
