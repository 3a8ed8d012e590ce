using Platform.Build.Inventory;
using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack.Lab;

/// <summary>
/// Audit against the real lab: resources built as the member to match the intended matrix pass; each drift, made
/// for real through the API and undone afterwards, fails with its finding and ISO 27001 control.
/// </summary>
[TestFixture, Category("OpenStackLab"), NonParallelizable]
public sealed class AuditLabTests
{
    private const string Project = "platform-audit";
    private const string Platform = "labaudit";
    private static readonly string[] AdminCidrs = ["198.18.0.0/24"];
    private LabTenant _tenant = null!;
    private SecurityIntent _intent = null!;
    private string _external = "";

    [OneTimeSetUp]
    public async Task Build()
    {
        _tenant = await LabTenant.ConnectAsync(LabSetUp.Admin, Project, Platform);
        await _tenant.TeardownAsync();
        _intent = IntentBuilder.Kubernetes(Platform, AdminCidrs);
        _external = (await _tenant.Api.NetworksAsync(LabSetUp.ExternalNetwork)).Single().Id;
        await _tenant.BuildAsync(_intent, _external);
    }

    [OneTimeTearDown]
    public async Task Teardown()
    {
        await _tenant.TeardownAsync();
        _tenant.Dispose();
    }

    private async Task<CheckReport> Audit()
    {
        var (suite, _) = LabSetUp.CreateSuite("Audit", LabSetUp.Admin.MemberEnvironment(Project),
            new Dictionary<string, string>
            {
                ["openstack.adminCidrs"] = string.Join(",", AdminCidrs),
                ["network.calicoEncapsulation"] = IntentBuilder.Encapsulation,
            }, Platform);
        // No explicit intent: Audit computes it from the Terraform logic modules, as it does for users.
        var report = await suite.RunAuditAsync();
        TestContext.Out.WriteLine(string.Join("\n", report.Findings));
        return report;
    }

    [Test]
    public async Task Audit_passes_on_resources_built_from_the_intent()
    {
        var report = await Audit();
        Assert.That(report.Failures, Is.Empty);
        Assert.That(report.Findings.Where(f => f.Check == "security-group-rule" && f.Status == FindingStatus.Pass).Select(f => f.Subject),
            Is.EquivalentTo(_intent.Groups));
        Assert.That(report.Findings.Select(f => f.Check).Distinct(),
            Is.SupersetOf(new[] { "exposure", "instances", "tenant-network", "port-security", "floating-ip", "volume" }));
    }

    [Test]
    public async Task Audit_fails_when_ssh_is_opened_to_the_world()
    {
        var rule = await _tenant.AddRuleAsync(IntentBuilder.ControlPlane(Platform), "ingress", "tcp", 22, 22, "0.0.0.0/0", null);
        try
        {
            var report = await Audit();
            var exposure = LabSetUp.Failed(report, "exposure").Single();
            Assert.That(exposure.Detail, Does.Contain("port 22 is open to 0.0.0.0/0"));
            Assert.That(exposure.IsoControl, Is.EqualTo(IsoControls.NetworkSecurity));
            Assert.That(LabSetUp.Failed(report, "security-group-rule").Single().Detail, Does.Contain(rule));
        }
        finally
        {
            await _tenant.DeleteAsync(ServiceTypes.Network, $"v2.0/security-group-rules/{rule}");
        }
    }

    [Test]
    public async Task Audit_fails_when_an_extra_node_to_node_port_is_open()
    {
        var rule = await _tenant.AddRuleAsync(IntentBuilder.Nodes(Platform), "ingress", "tcp", 10255, 10255, null, IntentBuilder.Nodes(Platform));
        try
        {
            var report = await Audit();
            var finding = LabSetUp.Failed(report, "security-group-rule").Single();
            Assert.That(finding.Subject, Is.EqualTo(IntentBuilder.Nodes(Platform)));
            Assert.That(finding.Detail, Does.Contain("rule not in the intent").And.Contain("port 10255 from group labaudit-node"));
            Assert.That(finding.IsoControl, Is.EqualTo(IsoControls.Segregation));
            Assert.That(LabSetUp.Failed(report, "exposure"), Is.Empty);
        }
        finally
        {
            await _tenant.DeleteAsync(ServiceTypes.Network, $"v2.0/security-group-rules/{rule}");
        }
    }

    [Test]
    public async Task Audit_fails_when_protocol_94_appears_where_ip_in_ip_protocol_4_was_meant()
    {
        var nodes = IntentBuilder.Nodes(Platform);
        var groups = await _tenant.Api.SecurityGroupsAsync();
        var ipip = groups.Single(g => g.Name == nodes).Rules.Single(r => r.Protocol == "4");
        await _tenant.DeleteAsync(ServiceTypes.Network, $"v2.0/security-group-rules/{ipip.Id}");
        var wrong = await _tenant.AddRuleAsync(nodes, "ingress", "94", null, null, null, nodes);
        try
        {
            var report = await Audit();
            var failed = LabSetUp.Failed(report, "security-group-rule").Select(f => f.Detail).ToList();
            Assert.That(failed, Has.Count.EqualTo(2));
            Assert.That(failed, Has.One.Contains("missing intended rule").And.Contains("ingress IPv4 4 from group"));
            Assert.That(failed, Has.One.Contains("rule not in the intent").And.Contains(" 94 ").And.Contains("IP-in-IP is IP protocol 4"));
        }
        finally
        {
            await _tenant.DeleteAsync(ServiceTypes.Network, $"v2.0/security-group-rules/{wrong}");
            await _tenant.AddRuleAsync(nodes, "ingress", "4", null, null, null, nodes);
        }
    }

    [Test]
    public async Task Audit_fails_when_port_security_is_disabled_on_a_node_port()
    {
        var (_, port) = _tenant.Nodes[$"{Platform}-worker-1"];
        await _tenant.PutAsync(ServiceTypes.Network, $"v2.0/ports/{port}", """{"port": {"security_groups": [], "port_security_enabled": false}}""");
        try
        {
            var report = await Audit();
            var finding = LabSetUp.Failed(report, "port-security").Single();
            Assert.That(finding.Subject, Is.EqualTo($"{Platform}-worker-1"));
            Assert.That(finding.Detail, Does.Contain("port security is off on port " + port));
            Assert.That(finding.IsoControl, Is.EqualTo(IsoControls.NetworkSecurity));
        }
        finally
        {
            await _tenant.PutAsync(ServiceTypes.Network, $"v2.0/ports/{port}",
                $$$$"""{"port": {"port_security_enabled": true, "security_groups": ["{{{{_tenant.GroupIds[IntentBuilder.Nodes(Platform)]}}}}"]}}""");
        }
    }

    [Test]
    public async Task Audit_fails_when_a_second_floating_ip_is_associated()
    {
        var fip = await _tenant.AssociateNewFloatingIpAsync(_external, _tenant.Nodes[$"{Platform}-worker-0"].Port);
        try
        {
            var report = await Audit();
            var finding = LabSetUp.Failed(report, "floating-ip").Single();
            Assert.That(finding.Detail, Does.Contain("2 floating IPs reach the platform"));
            Assert.That(finding.IsoControl, Is.EqualTo(IsoControls.NetworkSecurity));
        }
        finally
        {
            await _tenant.DeleteAsync(ServiceTypes.Network, $"v2.0/floatingips/{fip}");
        }
    }

    [Test]
    public async Task Audit_fails_on_an_unexpected_volume()
    {
        var volume = await _tenant.CreateVolumeAsync($"{Platform}-scratch");
        try
        {
            var finding = LabSetUp.Failed(await Audit(), "volume").Single();
            Assert.That(finding.Detail, Does.Contain("unexpected volume " + volume));
            Assert.That(finding.IsoControl, Is.EqualTo(IsoControls.CloudServices));
        }
        finally
        {
            await _tenant.DeleteAsync(ServiceTypes.BlockStorage, $"volumes/{volume}");
        }
    }

}
