using Platform.Build.Settings;
using Platform.Build.Terraform;
using Platform.Build.Tools;
using Platform.Build.Tests.Support;

namespace Platform.Build.Tests.Terraform;

/// <summary>TerraformIntent.LoadAsync with real terraform over the provider-free modules of this repository.</summary>
[TestFixture]
public sealed class TerraformIntentTests
{
    private static PlatformSettings Settings(params (string Key, string Value)[] overrides)
    {
        var args = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["openstack.adminCidrs"] = "203.0.113.0/24,2001:db8:1::/48",
            ["platform.name"] = "acme",
        };
        foreach (var (k, v) in overrides) args[k] = v;
        return SettingsLoader.Load(Repo.Root, "Audit", args, new Dictionary<string, string> { ["PLATFORM_OPENSTACK_EXTERNALNETWORK"] = "public" });
    }

    [Test]
    public async Task Intent_has_the_deterministic_groups_and_the_rule_matrix()
    {
        RealTools.Require(KnownTools.Terraform);
        var result = await TerraformIntent.LoadWithNodesAsync(RealTools.Runner(), Settings(), CancellationToken.None);
        var intent = result.Intent;

        Assert.That(intent.Platform, Is.EqualTo("acme"));
        Assert.That(intent.Groups, Is.EqualTo(NodeLayout.SecurityGroups("acme")));
        Assert.That(intent.Network.NodeCidr, Is.EqualTo("10.20.0.0/24"));

        var ssh = intent.Rules.Where(r => r.PortMin == 22).ToList();
        Assert.That(ssh.Select(r => r.RemoteCidr), Is.EquivalentTo(new[] { "203.0.113.0/24", "2001:db8:1::/48" }));
        Assert.That(ssh.Select(r => r.EtherType), Is.EquivalentTo(new[] { "IPv4", "IPv6" }));
        Assert.That(ssh.All(r => r.Group == "acme-admin" && r.Protocol == "tcp" && r.Direction == "ingress"));
        Assert.That(intent.Rules.Where(r => r.RemoteCidr is "0.0.0.0/0" or "::/0" && r.Direction == "ingress").Select(r => r.PortMin).Distinct(),
            Is.EquivalentTo(new int?[] { 80, 443 }));
        Assert.That(intent.Rules.Single(r => r.Protocol == "udp").PortMin, Is.EqualTo(4789));
        Assert.That(intent.Rules.Where(r => r.PortMin <= 179 && r.PortMax >= 179), Is.Empty, "VXLAN runs without BGP");
        Assert.That(intent.Rules.Single(r => r.PortMin == 2379), Has.Property("RemoteGroup").EqualTo("acme-control-plane"));
        var egress = intent.Rules.Where(r => r.Direction == "egress").ToList();
        Assert.That(egress.Select(r => r.Protocol), Is.All.Null);
    }

    [Test]
    public async Task Node_names_in_the_suite_match_the_address_plan_module()
    {
        RealTools.Require(KnownTools.Terraform);
        var settings = Settings(("openstack.workerCount", "3"));
        var result = await TerraformIntent.LoadWithNodesAsync(RealTools.Runner(), settings, CancellationToken.None);
        Assert.That(result.Nodes, Is.EqualTo(NodeLayout.For(settings)));
    }

    [Test]
    public async Task Ipip_encapsulation_gives_protocol_4_never_94()
    {
        RealTools.Require(KnownTools.Terraform);
        var intent = await TerraformIntent.LoadAsync(RealTools.Runner(), Settings(("network.calicoEncapsulation", "ipip")), CancellationToken.None);
        var overlay = intent.Rules.Single(r => r.Description.Contains("IP-in-IP", StringComparison.Ordinal));
        Assert.That(overlay.Protocol, Is.EqualTo("4"));
        Assert.That(overlay.PortMin, Is.Null);
        Assert.That(intent.Rules.Any(r => r.Protocol is "ipip" or "94" || r.Protocol == "udp"), Is.False);
        // IP-in-IP routes are exchanged over BGP, so Audit expects TCP 179 between nodes too.
        var bgp = intent.Rules.Single(r => r.PortMin == 179);
        Assert.That((bgp.Group, bgp.Protocol, bgp.PortMax, bgp.RemoteGroup, bgp.RemoteCidr), Is.EqualTo(("acme-node", "tcp", (int?)179, "acme-node", (string?)null)));
    }

    [Test]
    public void Intent_without_admin_cidrs_is_refused_by_name()
    {
        var settings = SettingsLoader.Load(Repo.Root, "Test", new Dictionary<string, string>(), new Dictionary<string, string>());
        var e = Assert.ThrowsAsync<SettingsException>(() => TerraformIntent.LoadAsync(RealTools.Runner(), settings, CancellationToken.None));
        Assert.That(e!.Errors.Single().Key, Is.EqualTo("openstack.adminCidrs"));
    }
}
