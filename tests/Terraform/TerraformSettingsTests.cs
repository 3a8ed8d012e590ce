using Platform.Build.Settings;

namespace Platform.Build.Tests.Terraform;

/// <summary>Bad settings for the cloud targets are refused by name, before any tool runs.</summary>
[TestFixture]
public sealed class TerraformSettingsTests
{
    private static SettingsException Refused(string target, params (string Key, string Value)[] overrides)
    {
        using var repo = new TempRepo();
        return Assert.Throws<SettingsException>(() => repo.Settings(target, null, overrides))!;
    }

    [Test]
    public void Good_settings_load()
    {
        using var repo = new TempRepo();
        var settings = repo.Settings("Plan");
        Assert.That(settings.Get("openstack.externalNetwork"), Is.EqualTo("public"));
        Assert.That(settings.Get("network.calicoEncapsulation"), Is.EqualTo("vxlan"));
    }

    [TestCase("0.0.0.0/0")]
    [TestCase("::/0")]
    [TestCase("203.0.113.0/24,0.0.0.0/0")]
    public void Admin_cidr_of_the_whole_internet_is_refused(string cidrs)
    {
        var e = Refused("Plan", ("openstack.adminCidrs", cidrs));
        Assert.That(e.Errors.Select(x => x.Key), Is.EqualTo(new[] { "openstack.adminCidrs" }));
        Assert.That(e.Message, Does.Contain("whole internet"));
    }

    [TestCase("network.podCidr", "10.20.0.0/16", "network.nodeCidr")]
    [TestCase("network.serviceCidr", "10.244.16.0/20", "network.podCidr")]
    [TestCase("network.serviceCidr", "10.20.0.0/24", "network.nodeCidr")]
    public void Overlapping_cidrs_are_refused(string key, string value, string overlapped)
    {
        var e = Refused("Plan", (key, value));
        var error = e.Errors.Single();
        Assert.That(error.Key, Is.EqualTo(key));
        Assert.That(error.Problem, Does.Contain(overlapped));
    }

    [TestCase("Plan")]
    [TestCase("Provision")]
    [TestCase("Destroy")]
    [TestCase("Teardown")]
    public void Missing_external_network_is_refused(string target)
    {
        var e = Refused(target, ("openstack.externalNetwork", ""));
        Assert.That(e.Errors.Select(x => x.Key), Does.Contain("openstack.externalNetwork"));
    }

    [Test]
    public void Missing_admin_cidrs_are_refused_for_plan()
    {
        var e = Refused("Plan", ("openstack.adminCidrs", ""));
        Assert.That(e.Errors.Select(x => x.Key), Does.Contain("openstack.adminCidrs"));
    }

    [Test]
    public void Ingress_on_a_worker_needs_port_forwarding()
    {
        var e = Refused("Plan", ("openstack.ingressNode", "first-worker"));
        Assert.That(e.Errors.Single().Key, Is.EqualTo("openstack.ingressNode"));
        using var repo = new TempRepo();
        Assert.DoesNotThrow(() => repo.Settings("Plan", null, ("openstack.ingressNode", "first-worker"), ("openstack.floatingIpMode", "port-forwarding")));
    }

    [TestCase("network.nodeCidr", "10.20.0.0/26")]
    [TestCase("network.nodeCidr", "2001:db8::/64")]
    [TestCase("openstack.floatingIpMode", "nat")]
    [TestCase("terraform.backendConfig", "bucket")]
    [TestCase("nodes.kubernetesAptKeyFingerprint", "DE15B144")]
    [TestCase("network.calicoEncapsulation", "ipip94")]
    [TestCase("openstack.floatingIp", "2001:db8::1")]
    public void Malformed_values_are_refused_by_name(string key, string value)
    {
        var e = Refused("Plan", (key, value));
        Assert.That(e.Errors.Select(x => x.Key), Is.EqualTo(new[] { key }));
    }
}
