using Platform.Build.Terraform;

namespace Platform.Build.Tests.Terraform;

[TestFixture]
public sealed class InventoryParserTests
{
    /// <summary>What `terraform output -json` prints for the root module (shape of terraform/outputs.tf).</summary>
    internal const string SampleOutput = """
        {
          "csi_cloud_conf": {
            "sensitive": true,
            "type": "string",
            "value": "[Global]\nauth-url = \"https://keystone.example.org/v3\"\napplication-credential-id = \"0123abcd\"\napplication-credential-secret = \"csi-app-cred-secret-xyz\"\n\n[BlockStorage]\nignore-volume-az = true\n"
          },
          "inventory": {
            "sensitive": false,
            "type": ["object", {}],
            "value": {
              "platform": "seed",
              "publicIp": "203.0.113.10",
              "floatingIpMode": "control-plane",
              "sshEntry": { "host": "203.0.113.10", "port": 22, "user": "debian" },
              "apiPrivateEndpoint": "10.20.0.10:6443",
              "apiPublicEndpoint": "203.0.113.10:6443",
              "network": { "nodeCidr": "10.20.0.0/24", "podCidr": "10.244.0.0/16", "serviceCidr": "10.96.0.0/16" },
              "nodes": [
                { "name": "seed-cp-1", "role": "control-plane", "privateIp": "10.20.0.10", "hostPublicKeys": ["ssh-ed25519 AAAAcp seed-cp-1"] },
                { "name": "seed-worker-1", "role": "worker", "privateIp": "10.20.0.11", "hostPublicKeys": ["ssh-ed25519 AAAAw1 seed-worker-1"] },
                { "name": "seed-worker-2", "role": "worker", "privateIp": "10.20.0.12", "hostPublicKeys": ["ssh-ed25519 AAAAw2 seed-worker-2"] }
              ]
            }
          }
        }
        """;

    [Test]
    public void Parses_the_inventory_output()
    {
        var inventory = InventoryParser.FromTerraformOutput(SampleOutput);
        Assert.That(inventory.PublicIp, Is.EqualTo("203.0.113.10"));
        Assert.That(inventory.SshEntry, Is.EqualTo(new Inventory.SshEndpoint("203.0.113.10", 22, "debian")));
        Assert.That(inventory.ControlPlane.Name, Is.EqualTo("seed-cp-1"));
        Assert.That(inventory.Workers.Select(w => w.PrivateIp), Is.EqualTo(new[] { "10.20.0.11", "10.20.0.12" }));
        Assert.That(inventory.Nodes[2].HostPublicKeys.Single(), Is.EqualTo("ssh-ed25519 AAAAw2 seed-worker-2"));
        Assert.That(inventory.Network.PodCidr, Is.EqualTo("10.244.0.0/16"));
        // Round trip through the file format the next targets read.
        Assert.That(Inventory.ClusterInventory.FromJson(inventory.ToJson(), "test").ApiPrivateEndpoint, Is.EqualTo("10.20.0.10:6443"));
    }

    [Test]
    public void Reads_the_csi_cloud_conf()
    {
        Assert.That(InventoryParser.CsiCloudConf(SampleOutput), Does.Contain("application-credential-secret = \"csi-app-cred-secret-xyz\""));
        Assert.That(InventoryParser.CsiCloudConf("{}"), Is.Null);
    }

    [Test]
    public void Missing_inventory_output_is_explained()
    {
        var e = Assert.Throws<InvalidDataException>(() => InventoryParser.FromTerraformOutput("{}"))!;
        Assert.That(e.Message, Does.Contain("no 'inventory' output"));
    }

    [TestCase("\"role\": \"worker\", \"privateIp\": \"10.20.0.11\"", "\"role\": \"control-plane\", \"privateIp\": \"10.20.0.11\"", "exactly one control-plane")]
    [TestCase("[\"ssh-ed25519 AAAAw1 seed-worker-1\"]", "[]", "no pinned SSH host public key")]
    [TestCase("\"publicIp\": \"203.0.113.10\"", "\"publicIp\": \"\"", "publicIp")]
    [TestCase("\"role\": \"worker\", \"privateIp\": \"10.20.0.12\"", "\"role\": \"etcd\", \"privateIp\": \"10.20.0.12\"", "unknown role")]
    public void Unusable_inventory_is_refused(string from, string to, string expected)
    {
        var broken = SampleOutput.Replace(from, to, StringComparison.Ordinal);
        Assert.That(broken, Is.Not.EqualTo(SampleOutput), "the mutation must apply");
        var e = Assert.Throws<InvalidDataException>(() => InventoryParser.FromTerraformOutput(broken))!;
        Assert.That(e.Message, Does.Contain(expected));
    }

    [Test]
    public void Wrong_shape_is_refused()
    {
        var e = Assert.Throws<InvalidDataException>(() => InventoryParser.FromTerraformOutput("{\"inventory\": {\"value\": {\"nodes\": 3}}}"))!;
        Assert.That(e.Message, Does.Contain("inventory shape"));
    }
}
