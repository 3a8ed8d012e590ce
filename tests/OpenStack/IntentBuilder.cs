using Platform.Build.Inventory;
using Platform.Build.Logging;
using Platform.Build.Settings;
using Platform.Build.Terraform;
using Platform.Build.Tools;

namespace Platform.Build.Tests.OpenStack;

/// <summary>
/// The intended security state for the lab tenants, computed for real by the Terraform logic modules
/// (TerraformIntent, terraform/intent), so the lab audits exactly what Provision would create. The tests use the
/// IP-in-IP overlay (network.calicoEncapsulation=ipip) so that the intent carries the protocol-4 rule the
/// "protocol 94 instead of 4" scenarios replace; VXLAN differs in the node-to-node overlay rules (UDP 4789 instead of IP
/// protocol 4, and no BGP on TCP 179).
/// </summary>
public static class IntentBuilder
{
    public static string Nodes(string p) => $"{p}-node";
    public static string ControlPlane(string p) => $"{p}-control-plane";
    public static string Ingress(string p) => $"{p}-ingress";
    public static string Admin(string p) => $"{p}-admin";

    public const string Encapsulation = "ipip";

    public static SecurityIntent Kubernetes(string platform, IReadOnlyList<string> adminCidrs, string nodeCidr = "10.20.0.0/24")
    {
        var settings = SettingsLoader.Load(Support.Repo.Root, "Audit", new Dictionary<string, string>
        {
            ["platform.name"] = platform,
            ["openstack.adminCidrs"] = string.Join(",", adminCidrs),
            ["openstack.externalNetwork"] = "public",
            ["network.nodeCidr"] = nodeCidr,
            ["network.calicoEncapsulation"] = Encapsulation,
        }, new Dictionary<string, string>());
        var runner = new ToolRunner(new RecordingLog(), ToolLocator.FromProcess());
        return TerraformIntent.LoadAsync(runner, settings, CancellationToken.None).GetAwaiter().GetResult();
    }
}
