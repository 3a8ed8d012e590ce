using System.Net;
using Platform.Build.Inventory;

namespace Platform.Build.Bootstrap;

/// <summary>How the kubeconfig reaches the API server: the public IP on 6443, or a local SSH tunnel through the entry host.</summary>
public enum ApiAccess { Public, Tunnel }

/// <summary>Parallel joins are the product; sequential exists for the benchmark (and as a fallback for a fragile network).</summary>
public enum JoinMode { Parallel, Sequential }

/// <summary>
/// Everything the bootstrap plan is derived from: the inventory written by Provision plus the bootstrap settings.
/// Pure data; <see cref="Validate"/> names each bad input and its fix before anything connects.
/// </summary>
public sealed record BootstrapSpec
{
    public required string ClusterName { get; init; }
    /// <summary>Kubernetes version without the leading 'v', e.g. 1.35.0.</summary>
    public required string KubernetesVersion { get; init; }
    public required ClusterInventory Inventory { get; init; }
    public ApiAccess ApiAccess { get; init; } = ApiAccess.Public;
    public int TunnelLocalPort { get; init; } = 16443;
    public JoinMode JoinMode { get; init; } = JoinMode.Parallel;
    /// <summary>Lifetime of the join token created right before the workers join.</summary>
    public TimeSpan JoinTokenTtl { get; init; } = TimeSpan.FromMinutes(15);

    public InventoryNode ControlPlane => Inventory.ControlPlane;
    public IReadOnlyList<InventoryNode> Workers => Inventory.Workers.ToList();

    /// <summary>Returns every problem with the inputs (empty when fine).</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        var inv = Inventory;
        var controlPlanes = inv.Nodes.Count(n => n.Role == InventoryNode.ControlPlaneRole);
        if (controlPlanes != 1)
            problems.Add($"inventory: {controlPlanes} nodes have role '{InventoryNode.ControlPlaneRole}'; exactly one is required. Fix: run Provision again so the inventory lists one control plane.");
        foreach (var node in inv.Nodes)
        {
            if (node.Role is not (InventoryNode.ControlPlaneRole or InventoryNode.WorkerRole))
                problems.Add($"inventory: node '{node.Name}' has role '{node.Role}'. Fix: use '{InventoryNode.ControlPlaneRole}' or '{InventoryNode.WorkerRole}'.");
            if (!IPAddress.TryParse(node.PrivateIp, out _))
                problems.Add($"inventory: node '{node.Name}' privateIp '{node.PrivateIp}' is not an IP address. Fix: run Provision again.");
            if (node.HostPublicKeys.Count == 0)
                problems.Add($"inventory: node '{node.Name}' has no pinned host key; Bootstrap never trusts a key on first use. Fix: run Plan/Provision, which pin the generated host keys.");
            foreach (var key in node.HostPublicKeys)
                if (!PinnedHostKey.TryParse(key, out _, out var why))
                    problems.Add($"inventory: node '{node.Name}' host key '{Shorten(key)}': {why} Fix: pin OpenSSH public key lines ('ssh-ed25519 AAAA... comment').");
        }
        var duplicate = inv.Nodes.GroupBy(n => n.Name).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            problems.Add($"inventory: node name '{duplicate.Key}' appears {duplicate.Count()} times. Fix: node names must be unique.");
        if (!TrySplitEndpoint(inv.ApiPrivateEndpoint, out _, out _))
            problems.Add($"inventory: apiPrivateEndpoint '{inv.ApiPrivateEndpoint}' is not host:port. Fix: e.g. 10.20.0.10:6443.");
        if (!TrySplitEndpoint(inv.ApiPublicEndpoint, out _, out _))
            problems.Add($"inventory: apiPublicEndpoint '{inv.ApiPublicEndpoint}' is not host:port. Fix: e.g. 203.0.113.10:6443.");
        if (string.IsNullOrWhiteSpace(inv.PublicIp))
            problems.Add("inventory: publicIp is empty. Fix: run Provision again (it writes the floating IP).");
        if (string.IsNullOrWhiteSpace(inv.SshEntry.Host) || inv.SshEntry.Port is < 1 or > 65535)
            problems.Add($"inventory: sshEntry '{inv.SshEntry.Host}:{inv.SshEntry.Port}' is not a reachable host:port. Fix: run Provision again.");
        CheckCidr("network.podCidr", inv.Network.PodCidr, problems);
        CheckCidr("network.serviceCidr", inv.Network.ServiceCidr, problems);
        CheckCidr("network.nodeCidr", inv.Network.NodeCidr, problems);
        if (IPNetwork.TryParse(inv.Network.NodeCidr, out var nodes))
            foreach (var node in inv.Nodes)
                if (IPAddress.TryParse(node.PrivateIp, out var ip) && !nodes.Contains(ip))
                    problems.Add($"inventory: node '{node.Name}' privateIp {node.PrivateIp} is outside network.nodeCidr {inv.Network.NodeCidr}. Fix: the inventory and the address plan disagree; run Provision again.");
        if (!System.Text.RegularExpressions.Regex.IsMatch(KubernetesVersion, @"^1\.35\.\d+$"))
            problems.Add($"kubernetes.version '{KubernetesVersion}' is not 1.35.<patch>. Fix: set kubernetes.version=1.35.0 (or a newer 1.35 patch).");
        return problems;
    }

    private static void CheckCidr(string key, string value, List<string> problems)
    {
        if (!IPNetwork.TryParse(value, out _))
            problems.Add($"inventory: {key} '{value}' is not a CIDR. Fix: run Provision again with a valid {key}.");
    }

    private static string Shorten(string s) => s.Length > 40 ? s[..40] + "..." : s;

    public static bool TrySplitEndpoint(string endpoint, out string host, out int port)
    {
        host = ""; port = 0;
        var i = endpoint.LastIndexOf(':');
        if (i <= 0 || !int.TryParse(endpoint[(i + 1)..], out port) || port is < 1 or > 65535) return false;
        host = endpoint[..i];
        return true;
    }
}
