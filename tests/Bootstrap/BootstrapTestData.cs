using Platform.Build.Bootstrap;
using Platform.Build.Inventory;

namespace Platform.Build.Tests.Bootstrap;

/// <summary>A realistic inventory (the Terraform address plan's defaults) with well-formed pinned ed25519 keys.</summary>
internal static class BootstrapTestData
{
    public static string Ed25519Line(byte seed, string comment = "host")
    {
        var type = "ssh-ed25519"u8.ToArray();
        var blob = new byte[4 + type.Length + 4 + 32];
        blob[3] = (byte)type.Length;
        type.CopyTo(blob, 4);
        blob[4 + type.Length + 3] = 32;
        for (var i = 0; i < 32; i++) blob[4 + type.Length + 4 + i] = (byte)(seed + i);
        return $"ssh-ed25519 {Convert.ToBase64String(blob)} {comment}";
    }

    public static ClusterInventory Inventory() => new()
    {
        Platform = "seed",
        PublicIp = "203.0.113.10",
        FloatingIpMode = "control-plane",
        SshEntry = new SshEndpoint("203.0.113.10", 22, "debian"),
        ApiPrivateEndpoint = "10.20.0.10:6443",
        ApiPublicEndpoint = "203.0.113.10:6443",
        Network = new NetworkPlan("10.20.0.0/24", "10.244.0.0/16", "10.96.0.0/16"),
        Nodes =
        [
            new InventoryNode("seed-cp", InventoryNode.ControlPlaneRole, "10.20.0.10", [Ed25519Line(1, "cp")]),
            new InventoryNode("seed-w1", InventoryNode.WorkerRole, "10.20.0.11", [Ed25519Line(2, "w1")]),
            new InventoryNode("seed-w2", InventoryNode.WorkerRole, "10.20.0.12", [Ed25519Line(3, "w2")]),
        ],
    };

    public static BootstrapSpec Spec(ClusterInventory? inventory = null, ApiAccess access = ApiAccess.Public, JoinMode mode = JoinMode.Parallel) =>
        new() { ClusterName = "seed", KubernetesVersion = "1.35.0", Inventory = inventory ?? Inventory(), ApiAccess = access, JoinMode = mode };
}
