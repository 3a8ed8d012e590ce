using Platform.Build.Inventory;
using Platform.Build.Settings;

namespace Platform.Build.Terraform;

/// <summary>
/// Node names and roles, the same rule as terraform/modules/address-plan (a test holds both in step): the suite needs
/// the names before Plan to generate each node's pinned SSH host key.
/// </summary>
public static class NodeLayout
{
    public sealed record PlannedNode(string Name, string Role);

    public static IReadOnlyList<PlannedNode> For(string platformName, int controlPlaneCount, int workerCount) =>
    [
        .. Enumerable.Range(1, controlPlaneCount).Select(i => new PlannedNode($"{platformName}-cp-{i}", InventoryNode.ControlPlaneRole)),
        .. Enumerable.Range(1, workerCount).Select(i => new PlannedNode($"{platformName}-worker-{i}", InventoryNode.WorkerRole)),
    ];

    public static IReadOnlyList<PlannedNode> For(PlatformSettings settings) =>
        For(settings.Get("platform.name"), settings.GetInt("openstack.controlPlaneCount"), settings.GetInt("openstack.workerCount"));

    /// <summary>Neutron security-group names, deterministic from platform.name (terraform/modules/rule-matrix).</summary>
    public static IReadOnlyList<string> SecurityGroups(string platformName) =>
        [$"{platformName}-admin", $"{platformName}-control-plane", $"{platformName}-ingress", $"{platformName}-node"];
}
