using System.Net;

namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    private static readonly SettingDefinition[] Network =
    [
        new("network.nodeCidr", SettingKind.Cidr, "Private tenant subnet of the nodes (IPv4, /16 to /24: nodes from host .10, DHCP from .100).")
        { Default = "10.20.0.0/24", Check = v => CheckIpv4Prefix(v, 16, 24, "10.20.0.0/24") },
        new("network.podCidr", SettingKind.Cidr, "Pod network (Calico IP pool, kubeadm podSubnet).")
        { Default = "10.244.0.0/16", Check = v => CheckIpv4Prefix(v, 8, 24, "10.244.0.0/16") },
        new("network.serviceCidr", SettingKind.Cidr, "Service network (kubeadm serviceSubnet).")
        { Default = "10.96.0.0/16", Check = v => CheckIpv4Prefix(v, 8, 24, "10.96.0.0/16") },
        new("network.calicoEncapsulation", SettingKind.Choice,
            "Calico overlay between nodes: 'vxlan' (UDP 4789, default) or 'ipip' (IP protocol 4). Drives the security groups.")
        { Default = "vxlan", Choices = ["vxlan", "ipip"] },
        new("network.dnsNameservers", SettingKind.List, "DNS resolvers handed to the nodes' subnet.")
        { Default = "1.1.1.1,9.9.9.9", Check = v => IPAddress.TryParse(v, out _) ? null : new("is not an IP address.", "list resolver IP addresses, e.g. 1.1.1.1,9.9.9.9.") },
    ];

    private static readonly Func<PlatformSettings, IEnumerable<SettingError>>[] NetworkCrossChecks =
    [
        s =>
        {
            string[] keys = ["network.nodeCidr", "network.podCidr", "network.serviceCidr"];
            var errors = new List<SettingError>();
            for (var i = 0; i < keys.Length; i++)
            for (var j = i + 1; j < keys.Length; j++)
            {
                if (!IPNetwork.TryParse(s.Get(keys[i]), out var a) || !IPNetwork.TryParse(s.Get(keys[j]), out var b)) continue;
                if (Cidrs.Overlap(a, b))
                    errors.Add(new SettingError(keys[j], s.Get(keys[j]), $"overlaps {keys[i]} ({s.Get(keys[i])}).",
                        "choose non-overlapping ranges, e.g. nodes 10.20.0.0/24, pods 10.244.0.0/16, services 10.96.0.0/16."));
            }
            return errors;
        },
        .. OpenStackCrossChecks,
    ];

    private static SettingProblem? CheckIpv4Prefix(string value, int shortest, int longest, string example) =>
        IPNetwork.TryParse(value, out var n) &&
        (n.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork || n.PrefixLength < shortest || n.PrefixLength > longest)
            ? new($"must be an IPv4 range from /{shortest} to /{longest}.", $"use e.g. {example}.")
            : null;
}

public static class Cidrs
{
    public static bool Overlap(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    /// <summary>True for 0.0.0.0/0 and ::/0, the "whole internet" ranges.</summary>
    public static bool IsAnywhere(IPNetwork n) => n.PrefixLength == 0;

    /// <summary>
    /// The broadest admin source range allowed: /8 for IPv4, /32 for IPv6 (terraform/modules/rule-matrix refuses the
    /// same), so that a few halves like 0.0.0.0/1 + 128.0.0.0/1 cannot open SSH and the API to everyone.
    /// </summary>
    public static int AdminPrefixLimit(IPNetwork n) => n.BaseAddress.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 8 : 32;

    public static bool IsTooBroadForAdmins(IPNetwork n) => n.PrefixLength < AdminPrefixLimit(n);
}
