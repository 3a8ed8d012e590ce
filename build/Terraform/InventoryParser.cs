using System.Net;
using System.Text.Json;
using Platform.Build.Inventory;

namespace Platform.Build.Terraform;

/// <summary>Reads `terraform output -json` of the root module into the suite's inventory and the CSI cloud.conf.</summary>
public static class InventoryParser
{
    public const string InventoryOutput = "inventory";
    public const string CsiCloudConfOutput = "csi_cloud_conf";

    public static ClusterInventory FromTerraformOutput(string json)
    {
        var value = OutputValue(json, InventoryOutput)
            ?? throw new InvalidDataException($"terraform output has no '{InventoryOutput}' output. Is the state from terraform/ of this repository, and was it applied?");
        ClusterInventory inventory;
        try
        {
            inventory = value.Deserialize<ClusterInventory>(ClusterInventory.Json)
                ?? throw new InvalidDataException($"terraform output '{InventoryOutput}' is empty.");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"terraform output '{InventoryOutput}' does not have the inventory shape: {e.Message}", e);
        }
        var problems = Check(inventory);
        if (problems.Count > 0)
            throw new InvalidDataException($"terraform output '{InventoryOutput}' is not usable:\n  " + string.Join("\n  ", problems));
        return inventory;
    }

    /// <summary>The sensitive cloud.conf for the Cinder CSI Secret, or null when the output is absent.</summary>
    public static string? CsiCloudConf(string json) => OutputValue(json, CsiCloudConfOutput)?.GetString();

    public static IReadOnlyList<string> Check(ClusterInventory inventory)
    {
        var problems = new List<string>();
        if (!IPAddress.TryParse(inventory.PublicIp, out _)) problems.Add($"publicIp '{inventory.PublicIp}' is not an IP address.");
        if (inventory.FloatingIpMode is not ("control-plane" or "port-forwarding")) problems.Add($"floatingIpMode '{inventory.FloatingIpMode}' is unknown.");
        if (inventory.Nodes.Count(n => n.Role == InventoryNode.ControlPlaneRole) != 1) problems.Add("there must be exactly one control-plane node.");
        if (!inventory.Nodes.Any(n => n.Role == InventoryNode.WorkerRole)) problems.Add("there is no worker node.");
        foreach (var n in inventory.Nodes)
        {
            if (n.Role is not (InventoryNode.ControlPlaneRole or InventoryNode.WorkerRole)) problems.Add($"node {n.Name} has the unknown role '{n.Role}'.");
            if (!IPAddress.TryParse(n.PrivateIp, out _)) problems.Add($"node {n.Name} has no private IP ('{n.PrivateIp}').");
            if (n.HostPublicKeys.Count == 0 || n.HostPublicKeys.Any(k => !k.StartsWith("ssh-", StringComparison.Ordinal)))
                problems.Add($"node {n.Name} has no pinned SSH host public key: the bootstrap could not verify it.");
        }
        if (inventory.Nodes.Select(n => n.Name).Distinct(StringComparer.Ordinal).Count() != inventory.Nodes.Count) problems.Add("node names are not unique.");
        return problems;
    }

    private static JsonElement? OutputValue(string json, string name)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Object
            && document.RootElement.TryGetProperty(name, out var output)
            && output.TryGetProperty("value", out var value)
                ? value.Clone()
                : null;
    }
}
