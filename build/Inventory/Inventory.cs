using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.Build.Inventory;

/// <summary>
/// What Provision hands to the next targets: the nodes, how to reach them through the single public IP, and the
/// pinned SSH host public keys (no trust on first use). Written to artifacts/inventory.json; holds no secret.
/// </summary>
public sealed record ClusterInventory
{
    public const string FileName = "inventory.json";

    public required string Platform { get; init; }
    /// <summary>The single floating IP.</summary>
    public required string PublicIp { get; init; }
    /// <summary>'control-plane' or 'port-forwarding' (settings openstack.floatingIpMode).</summary>
    public required string FloatingIpMode { get; init; }
    /// <summary>Where SSH connects first; workers are reached through it (ProxyJump) in control-plane mode.</summary>
    public required SshEndpoint SshEntry { get; init; }
    /// <summary>host:port of the API on the private network (kubeadm controlPlaneEndpoint).</summary>
    public required string ApiPrivateEndpoint { get; init; }
    /// <summary>host:port of the API on the public IP (kubeconfig server, certificate SAN).</summary>
    public required string ApiPublicEndpoint { get; init; }
    public required NetworkPlan Network { get; init; }
    public required IReadOnlyList<InventoryNode> Nodes { get; init; }

    [JsonIgnore] public InventoryNode ControlPlane => Nodes.First(n => n.Role == InventoryNode.ControlPlaneRole);
    [JsonIgnore] public IEnumerable<InventoryNode> Workers => Nodes.Where(n => n.Role == InventoryNode.WorkerRole);

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static ClusterInventory FromJson(string json, string source) =>
        JsonSerializer.Deserialize<ClusterInventory>(json, Json)
        ?? throw new InvalidDataException($"{source}: the inventory is empty.");

    public static ClusterInventory Load(string path) =>
        File.Exists(path)
            ? FromJson(File.ReadAllText(path), path)
            : throw new FileNotFoundException($"No inventory at {path}. Run ./build.sh --target=Provision first (it writes the inventory).", path);

    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, ToJson());
    }
}

public sealed record SshEndpoint(string Host, int Port, string User);

/// <summary>One node. HostPublicKeys are OpenSSH public key lines ("ssh-ed25519 AAAA... comment") pinned at Plan time.</summary>
public sealed record InventoryNode(string Name, string Role, string PrivateIp, IReadOnlyList<string> HostPublicKeys)
{
    public const string ControlPlaneRole = "control-plane";
    public const string WorkerRole = "worker";
}

public sealed record NetworkPlan(string NodeCidr, string PodCidr, string ServiceCidr);
