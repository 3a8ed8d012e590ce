using Platform.Build.Inventory;
using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack;

/// <summary>Each Audit rule on a live state that matches the intent (passes) and with the drift that must fail it.</summary>
public sealed class AuditChecksTests
{
    private const string P = "seed";
    private static readonly SecurityIntent Intent = IntentBuilder.Kubernetes(P, ["198.18.0.0/24"]);
    private static readonly AuditExpectations Expected = new(3, 2, 0);

    private static SecurityGroupRuleRecord Rule(SecurityRule r, int i) => new()
    {
        Id = $"r{i}",
        SecurityGroupId = "sg-" + r.Group,
        Direction = r.Direction,
        EtherType = r.EtherType,
        Protocol = r.Protocol,
        PortMin = r.PortMin,
        PortMax = r.PortMax,
        RemoteCidr = r.RemoteCidr,
        RemoteGroupId = r.RemoteGroup is null ? null : "sg-" + r.RemoteGroup,
    };

    /// <summary>What Provision would leave: the groups with exactly the intended rules, 3 nodes on the tenant network, one floating IP.</summary>
    private static LiveState Matching()
    {
        var groups = Intent.Groups.Select(g => new SecurityGroupRecord
        {
            Id = "sg-" + g,
            Name = g,
            Rules = Intent.Rules.Select((r, i) => (r, i)).Where(x => x.r.Group == g).Select(x => Rule(x.r, x.i)).ToList(),
        }).ToList();
        groups.Add(new SecurityGroupRecord { Id = "sg-default", Name = "default" });
        string[] nodes = [$"{P}-cp-0", $"{P}-worker-0", $"{P}-worker-1"];
        return new LiveState
        {
            SecurityGroups = groups,
            Networks = [new NetworkRecord { Id = "net", Name = $"{P}-net" }, new NetworkRecord { Id = "ext", Name = "public", External = true }],
            Subnets = [new SubnetRecord { Id = "sub", NetworkId = "net", Cidr = "10.20.0.0/24" }],
            Servers = nodes.Select(n => new ServerRecord { Id = "srv-" + n, Name = n, Status = "ACTIVE" }).ToList(),
            Ports = nodes.Select(n => new PortRecord
            {
                Id = "port-" + n,
                NetworkId = "net",
                DeviceId = "srv-" + n,
                DeviceOwner = "compute:nova",
                PortSecurityEnabled = true,
                SecurityGroupIds = ["sg-" + IntentBuilder.Nodes(P)],
                FixedIps = [new FixedIp("sub", "10.20.0.10")],
            }).ToList(),
            FloatingIps = [new FloatingIpRecord { Id = "fip1", Address = "203.0.113.10", PortId = $"port-{P}-cp-0" }],
            Volumes = [new VolumeRecord { Id = "csi", Name = "pvc-1", SizeGb = 10, Metadata = new Dictionary<string, string> { ["cinder.csi.openstack.org/cluster"] = P } }],
        };
    }

    private static List<Finding> Failures(LiveState live, AuditExpectations? expected = null) =>
        AuditChecks.Compare(Intent, live, expected ?? Expected).Where(f => f.Status == FindingStatus.Fail).ToList();

    private static LiveState WithRule(LiveState s, string group, SecurityGroupRuleRecord rule) => s with
    {
        SecurityGroups = s.SecurityGroups.Select(g => g.Name == group ? g with { Rules = [.. g.Rules, rule with { SecurityGroupId = g.Id }] } : g).ToList(),
    };

    [Test]
    public void The_intended_state_passes_every_check_with_its_iso_control()
    {
        var findings = AuditChecks.Compare(Intent, Matching(), Expected);
        Assert.That(findings.Where(f => f.Status == FindingStatus.Fail), Is.Empty);
        Assert.That(findings.All(f => f.IsoControl is "5.23" or "8.20" or "8.22"));
    }

    [Test]
    public void Ssh_open_to_the_world_fails_as_exposure_and_as_drift()
    {
        var live = WithRule(Matching(), IntentBuilder.ControlPlane(P), new SecurityGroupRuleRecord
        { Id = "bad", Direction = "ingress", EtherType = "IPv4", Protocol = "tcp", PortMin = 22, PortMax = 22, RemoteCidr = "0.0.0.0/0" });
        var failures = Failures(live);
        Assert.That(failures.Select(f => (f.Check, f.IsoControl)), Is.EquivalentTo(new[] { ("exposure", "8.20"), ("security-group-rule", "8.22") }));
    }

    [TestCase("IPv6", "::/0", "tcp", 6443, 6443)]
    [TestCase("IPv4", null, null, null, null)]
    [TestCase("IPv4", "0.0.0.0/0", "6", 1, 65535)]
    public void The_api_or_ssh_open_to_anywhere_in_any_form_is_exposure(string etherType, string? cidr, string? protocol, int? min, int? max)
    {
        var live = WithRule(Matching(), IntentBuilder.Ingress(P), new SecurityGroupRuleRecord
        { Id = "bad", Direction = "ingress", EtherType = etherType, Protocol = protocol, PortMin = min, PortMax = max, RemoteCidr = cidr });
        Assert.That(Failures(live).Count(f => f.Check == "exposure"), Is.EqualTo(1));
    }

    [Test]
    public void Public_80_and_443_on_the_ingress_group_are_intended_not_exposure() =>
        Assert.That(AuditChecks.Compare(Intent, Matching(), Expected).Single(f => f.Check == "exposure").Status, Is.EqualTo(FindingStatus.Pass));

    [Test]
    public void An_extra_node_port_is_drift()
    {
        var live = WithRule(Matching(), IntentBuilder.Nodes(P), new SecurityGroupRuleRecord
        { Id = "x", Direction = "ingress", EtherType = "IPv4", Protocol = "tcp", PortMin = 10255, PortMax = 10255, RemoteGroupId = "sg-" + IntentBuilder.Nodes(P) });
        Assert.That(Failures(live).Single().Detail, Does.Contain("port 10255 from group seed-node"));
    }

    [TestCase("94")]
    [TestCase("ipip")]
    public void Protocol_94_or_the_name_ipip_instead_of_4_is_drift_with_the_hint(string protocol)
    {
        var live = Matching();
        live = live with
        {
            SecurityGroups = live.SecurityGroups.Select(g => g with { Rules = g.Rules.Select(r => r.Protocol == "4" ? r with { Protocol = protocol } : r).ToList() }).ToList(),
        };
        var failures = Failures(live);
        Assert.That(failures, Has.Count.EqualTo(2));
        Assert.That(failures, Has.One.Matches<Finding>(f => f.Detail.StartsWith("missing intended rule", StringComparison.Ordinal)));
        Assert.That(failures, Has.One.Matches<Finding>(f => f.Detail.Contains("IP-in-IP is IP protocol 4")));
    }

    [Test]
    public void Equivalent_spellings_are_not_drift()
    {
        // Neutron may answer "6" for tcp and 0.0.0.0/0 for no remote; the comparison must not flag those.
        var live = Matching();
        live = live with
        {
            SecurityGroups = live.SecurityGroups.Select(g => g with
            {
                Rules = g.Rules.Select(r => r.Protocol == "tcp" ? r with { Protocol = "6" } : r)
                    .Select(r => r.Direction == "egress" && r.EtherType == "IPv4" ? r with { RemoteCidr = "0.0.0.0/0" } : r).ToList(),
            }).ToList(),
        };
        Assert.That(Failures(live), Is.Empty);
        Assert.That(AuditChecks.NormaliseRemote("198.18.0.77/24", "IPv4", null), Is.EqualTo("198.18.0.0/24"));
    }

    [Test]
    public void A_missing_default_egress_rule_or_group_is_drift()
    {
        var live = Matching();
        var noEgress = live with { SecurityGroups = live.SecurityGroups.Select(g => g with { Rules = g.Rules.Where(r => !(g.Name == IntentBuilder.Nodes(P) && r.EtherType == "IPv6")).ToList() }).ToList() };
        Assert.That(Failures(noEgress).Single().Detail, Does.Contain("missing intended rule: seed-node: egress IPv6"));
        var noGroup = live with { SecurityGroups = live.SecurityGroups.Where(g => g.Name != IntentBuilder.Ingress(P)).ToList() };
        Assert.That(Failures(noGroup).Single().Detail, Does.Contain("does not exist"));
        var stray = live with { SecurityGroups = [.. live.SecurityGroups, new SecurityGroupRecord { Id = "s", Name = "seed-debug" }] };
        Assert.That(Failures(stray).Single().Subject, Is.EqualTo("seed-debug"));
    }

    [Test]
    public void Port_security_off_on_a_node_port_fails_8_20()
    {
        var live = Matching();
        live = live with { Ports = live.Ports.Select(p => p.DeviceId == $"srv-{P}-worker-1" ? p with { PortSecurityEnabled = false, SecurityGroupIds = [] } : p).ToList() };
        var f = Failures(live).Single();
        Assert.That((f.Check, f.Subject, f.IsoControl), Is.EqualTo(("port-security", $"{P}-worker-1", "8.20")));
    }

    [Test]
    public void A_node_port_in_a_group_outside_the_intent_fails()
    {
        var live = Matching();
        live = live with { Ports = live.Ports.Select(p => p with { SecurityGroupIds = [.. p.SecurityGroupIds, "sg-default"] }).ToList() };
        Assert.That(Failures(live).Select(f => f.Detail), Has.All.Contain("outside the intent: default"));
    }

    [Test]
    public void An_instance_on_another_network_fails_8_22()
    {
        var live = Matching();
        live = live with
        {
            Networks = [.. live.Networks, new NetworkRecord { Id = "other", Name = "shared-lan" }],
            Ports = [.. live.Ports, new PortRecord { Id = "p-extra", NetworkId = "other", DeviceId = $"srv-{P}-worker-0", PortSecurityEnabled = true, SecurityGroupIds = ["sg-" + IntentBuilder.Nodes(P)] }],
        };
        var f = Failures(live).Single();
        Assert.That((f.Check, f.IsoControl), Is.EqualTo(("tenant-network", "8.22")));
        Assert.That(f.Detail, Does.Contain("shared-lan"));
    }

    [Test]
    public void A_second_floating_ip_or_none_fails()
    {
        var live = Matching();
        var two = live with { FloatingIps = [.. live.FloatingIps, new FloatingIpRecord { Id = "fip2", Address = "203.0.113.11", PortId = $"port-{P}-worker-0" }] };
        Assert.That(Failures(two).Single().Detail, Does.Contain("2 floating IPs"));
        Assert.That(Failures(live with { FloatingIps = [] }).Single().Detail, Does.Contain("no floating IP"));
        var unrelated = live with { FloatingIps = [.. live.FloatingIps, new FloatingIpRecord { Id = "fip3", Address = "203.0.113.12", PortId = "someone-else" }] };
        Assert.That(Failures(unrelated), Is.Empty, "another team's floating IP in the project is not the platform's");
    }

    [Test]
    public void Volumes_other_than_csi_and_configured_data_volumes_are_unexpected()
    {
        var live = Matching();
        var attached = live with { Volumes = [.. live.Volumes, new VolumeRecord { Id = "v9", SizeGb = 50, Attachments = [new VolumeAttachment($"srv-{P}-worker-0")] }] };
        Assert.That(Failures(attached).Single().Detail, Does.Contain("unexpected volume v9"));
        Assert.That(Failures(attached, Expected with { DataVolumeSizeGb = 50 }), Is.Empty, "one 50 GB data volume per worker is configured");
        var unrelated = live with { Volumes = [.. live.Volumes, new VolumeRecord { Id = "v10", Name = "backup", SizeGb = 5 }] };
        Assert.That(Failures(unrelated), Is.Empty);
    }

    [Test]
    public void A_missing_or_extra_instance_fails_5_23() =>
        Assert.That(Failures(Matching(), Expected with { Instances = 4 }).Single().IsoControl, Is.EqualTo("5.23"));
}
