using Platform.Build.Inventory;

namespace Platform.Build.Tests.OpenStack;

/// <summary>
/// The intended rule matrix, built explicitly the way the Terraform logic modules describe it: SSH 22 and the API 6443
/// only from the admin CIDRs; 80/443 public to the ingress node; node to node 6443, 10250, 2379-2380 (control plane),
/// UDP 4789 (Calico VXLAN), TCP 5473 (Typha), IP-in-IP as protocol 4; and Neutron's default egress pair per group.
/// </summary>
public static class IntentBuilder
{
    public static string Nodes(string p) => $"{p}-nodes";
    public static string ControlPlane(string p) => $"{p}-control-plane";
    public static string Ingress(string p) => $"{p}-ingress";

    public static SecurityIntent Kubernetes(string platform, IReadOnlyList<string> adminCidrs, string nodeCidr = "10.20.0.0/24")
    {
        var nodes = Nodes(platform);
        var cp = ControlPlane(platform);
        var ingress = Ingress(platform);
        var rules = new List<SecurityRule>();
        void In(string group, string? protocol, int? min, int? max, string? cidr, string? remoteGroup, string why) =>
            rules.Add(new SecurityRule(group, "ingress", "IPv4", protocol, min, max, cidr, remoteGroup, why));

        foreach (var cidr in adminCidrs)
        {
            In(cp, "tcp", 22, 22, cidr, null, "SSH from the admin ranges");
            In(cp, "tcp", 6443, 6443, cidr, null, "Kubernetes API from the admin ranges");
        }
        In(cp, "tcp", 6443, 6443, null, nodes, "Kubernetes API from the nodes");
        In(cp, "tcp", 2379, 2380, null, cp, "etcd within the control plane");
        In(nodes, "tcp", 10250, 10250, null, nodes, "kubelet between nodes");
        In(nodes, "udp", 4789, 4789, null, nodes, "Calico VXLAN");
        In(nodes, "tcp", 5473, 5473, null, nodes, "Calico Typha");
        In(nodes, "4", null, null, null, nodes, "IP-in-IP (protocol 4)");
        In(ingress, "tcp", 80, 80, "0.0.0.0/0", null, "HTTP to the ingress node");
        In(ingress, "tcp", 443, 443, "0.0.0.0/0", null, "HTTPS to the ingress node");
        string[] groups = [nodes, cp, ingress];
        foreach (var g in groups)
        {
            rules.Add(new SecurityRule(g, "egress", "IPv4", null, null, null, null, null, "Neutron default egress"));
            rules.Add(new SecurityRule(g, "egress", "IPv6", null, null, null, null, null, "Neutron default egress"));
        }
        return new SecurityIntent(platform, groups, rules, new NetworkPlan(nodeCidr, "10.244.0.0/16", "10.96.0.0/16"));
    }
}
