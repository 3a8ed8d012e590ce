using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack;

public sealed class LeakChecksTests
{
    private static readonly LeakState Others = new()
    {
        Servers = [new ServerRecord { Id = "s0", Name = "other-vm" }],
        Networks = [new NetworkRecord { Id = "n0", Name = "public", External = true }],
        Ports = [new PortRecord { Id = "p0", Name = "", NetworkId = "n0" }],
        Volumes = [new VolumeRecord { Id = "v0", Name = "backup" }],
        SecurityGroups = [new SecurityGroupRecord { Id = "g0", Name = "default" }],
        Keypairs = [new KeypairRecord { Name = "alice" }],
    };

    [Test]
    public void Nothing_of_the_platform_left_passes() =>
        Assert.That(LeakChecks.Evaluate("seed", Others).Single().Status, Is.EqualTo(FindingStatus.Pass));

    private static IEnumerable<TestCaseData> Leftovers()
    {
        yield return new TestCaseData(Others with { Servers = [.. Others.Servers, new ServerRecord { Id = "s1", Name = "seed-cp-0" }] }, "server seed-cp-0");
        yield return new TestCaseData(Others with { Ports = [.. Others.Ports, new PortRecord { Id = "p1", Name = "seed-worker-0-port", NetworkId = "n0" }] }, "port seed-worker-0-port");
        yield return new TestCaseData(Others with { Volumes = [.. Others.Volumes, new VolumeRecord { Id = "v1", Name = "pvc-x", Metadata = new Dictionary<string, string> { ["cinder.csi.openstack.org/cluster"] = "seed" } }] }, "volume pvc-x");
        yield return new TestCaseData(Others with { FloatingIps = [new FloatingIpRecord { Id = "f1", Address = "203.0.113.5", Tags = ["platform=seed"] }] }, "floating IP 203.0.113.5");
        yield return new TestCaseData(Others with { SecurityGroups = [.. Others.SecurityGroups, new SecurityGroupRecord { Id = "g1", Name = "seed-nodes" }] }, "security group seed-nodes");
        yield return new TestCaseData(Others with { Routers = [new RouterRecord { Id = "r1", Name = "seed-router" }] }, "router seed-router");
        yield return new TestCaseData(Others with { Networks = [.. Others.Networks, new NetworkRecord { Id = "n1", Name = "x", Tags = ["seed"] }] }, "network x");
        yield return new TestCaseData(Others with { ApplicationCredentials = [new ApplicationCredentialRecord { Id = "a1", Name = "seed-ccm" }] }, "application credential seed-ccm");
        yield return new TestCaseData(Others with { Keypairs = [.. Others.Keypairs, new KeypairRecord { Name = "seed" }] }, "keypair seed");
    }

    [TestCaseSource(nameof(Leftovers))]
    public void Each_kind_of_leftover_fails_with_its_delete_command(LeakState state, string subject)
    {
        var f = LeakChecks.Evaluate("seed", state).Single();
        Assert.That((f.Status, f.Subject), Is.EqualTo((FindingStatus.Fail, subject)));
        Assert.That(f.Fix, Does.StartWith("delete it (`openstack "));
    }

    [Test]
    public void An_unnamed_port_on_a_leftover_network_and_a_floating_ip_on_it_are_found_too()
    {
        var state = Others with
        {
            Networks = [.. Others.Networks, new NetworkRecord { Id = "n1", Name = "seed-net" }],
            Ports = [.. Others.Ports, new PortRecord { Id = "p1", Name = "", NetworkId = "n1" }],
            FloatingIps = [new FloatingIpRecord { Id = "f1", Address = "203.0.113.5", PortId = "p1" }],
        };
        Assert.That(LeakChecks.Evaluate("seed", state).Select(f => f.Subject), Is.EquivalentTo(new[] { "network seed-net", "port p1", "floating IP 203.0.113.5" }));
    }
}
