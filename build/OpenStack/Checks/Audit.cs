using System.Net;
using Platform.Build.Inventory;
using Platform.Build.OpenStack.Client;
using Platform.Build.Settings;

namespace Platform.Build.OpenStack.Checks;

/// <summary>The live project state Audit compares with the intent (fetched by LiveStateFetcher).</summary>
public sealed record LiveState
{
    public IReadOnlyList<SecurityGroupRecord> SecurityGroups { get; init; } = [];
    public IReadOnlyList<NetworkRecord> Networks { get; init; } = [];
    public IReadOnlyList<SubnetRecord> Subnets { get; init; } = [];
    public IReadOnlyList<PortRecord> Ports { get; init; } = [];
    public IReadOnlyList<ServerRecord> Servers { get; init; } = [];
    public IReadOnlyList<FloatingIpRecord> FloatingIps { get; init; } = [];
    public IReadOnlyList<VolumeRecord> Volumes { get; init; } = [];
}

/// <summary>What else the settings say the live state should hold.</summary>
public sealed record AuditExpectations(int Instances, int Workers, int DataVolumeSizeGb)
{
    public static AuditExpectations FromSettings(PlatformSettings s) =>
        new(s.GetInt("openstack.controlPlaneCount") + s.GetInt("openstack.workerCount"), s.GetInt("openstack.workerCount"),
            s.GetInt("openstack.dataVolumeSizeGb"));
}

/// <summary>A security-group rule in comparable form: protocol and remote normalised, the remote group by name.</summary>
public sealed record NormalRule(string Group, string Direction, string EtherType, string? Protocol, int? PortMin, int? PortMax,
    string? RemoteCidr, string? RemoteGroup)
{
    public override string ToString()
    {
        var ports = PortMin is null && PortMax is null ? "" : PortMin == PortMax ? $" port {PortMin}" : $" ports {PortMin}-{PortMax}";
        var remote = RemoteGroup is not null ? $"group {RemoteGroup}" : RemoteCidr ?? "anywhere";
        return $"{Group}: {Direction} {EtherType} {Protocol ?? "any protocol"}{ports} {(Direction == "ingress" ? "from" : "to")} {remote}";
    }
}

/// <summary>
/// The Audit rules: pure comparison of the live state with the intended security state. Every finding carries the
/// ISO/IEC 27001:2022 control it evidences: 8.22 segregation (rule matrix, tenant network), 8.20 network security
/// (exposure, port security, single public IP), 5.23 cloud services (instances and volumes are the intended ones).
/// </summary>
public static class AuditChecks
{
    private static readonly int[] AdminPorts = [22, 6443];

    public static IReadOnlyList<Finding> Compare(SecurityIntent intended, LiveState live, AuditExpectations expected)
    {
        var findings = new List<Finding>();
        var groupsByName = live.SecurityGroups.GroupBy(g => g.Name).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var groupNames = live.SecurityGroups.ToDictionary(g => g.Id, g => g.Name, StringComparer.Ordinal);
        var intendedGroupIds = new HashSet<string>(StringComparer.Ordinal);

        // ---- security groups and their rules (8.22)
        foreach (var name in intended.Groups)
        {
            var matches = groupsByName.GetValueOrDefault(name) ?? [];
            if (matches.Count == 0)
            {
                findings.Add(Finding.Fail("security-group", name, "the intended security group does not exist.",
                    "run ./build.sh --target=Provision to recreate it from the Terraform state.", IsoControls.Segregation));
                continue;
            }
            if (matches.Count > 1)
                findings.Add(Finding.Fail("security-group", name, $"{matches.Count} security groups have this name; only the intended one may exist.",
                    "delete the copies that Terraform does not manage (`openstack security group list`).", IsoControls.Segregation));
            foreach (var g in matches) intendedGroupIds.Add(g.Id);
        }
        foreach (var stray in live.SecurityGroups.Where(g => PlatformNames.Owns(intended.Platform, g.Name, g.Tags) && !intended.Groups.Contains(g.Name)))
        {
            findings.Add(Finding.Fail("security-group", stray.Name, "a security group carries the platform's name but is not in the intent.",
                $"delete it (`openstack security group delete {stray.Id}`) or add it to the Terraform rule matrix.", IsoControls.Segregation));
        }

        var liveRules = live.SecurityGroups.Where(g => intendedGroupIds.Contains(g.Id))
            .SelectMany(g => g.Rules.Select(r => (Rule: r, Normal: Normalise(r, g.Name, groupNames)))).ToList();
        var intendedRules = intended.Rules.Select(Normalise).ToList();
        foreach (var group in intended.Groups.Where(groupsByName.ContainsKey))
        {
            var want = intendedRules.Where(r => r.Group == group).ToList();
            var have = liveRules.Where(r => r.Normal.Group == group).ToList();
            var missing = want.Where(w => !have.Any(h => h.Normal == w)).ToList();
            var extra = have.Where(h => !want.Contains(h.Normal)).ToList();
            foreach (var m in missing)
            {
                findings.Add(Finding.Fail("security-group-rule", group, $"missing intended rule: {m}.",
                    "run ./build.sh --target=Provision (Terraform recreates it); if it was removed on purpose, change the rule matrix instead.", IsoControls.Segregation));
            }
            foreach (var (rule, normal) in extra)
            {
                findings.Add(Finding.Fail("security-group-rule", group, $"rule not in the intent: {normal} (id {rule.Id})." + ProtocolHint(normal),
                    $"delete it (`openstack security group rule delete {rule.Id}`) or add it to the Terraform rule matrix and re-run Provision.", IsoControls.Segregation));
            }
            if (missing.Count == 0 && extra.Count == 0)
                findings.Add(Finding.Pass("security-group-rule", group, $"all {want.Count} rules match the intent (Neutron's default egress rules included).", IsoControls.Segregation));
        }

        // ---- exposure of SSH and the Kubernetes API (8.20), in any of the platform's groups
        var platformGroups = live.SecurityGroups.Where(g => intendedGroupIds.Contains(g.Id) || PlatformNames.Owns(intended.Platform, g.Name, g.Tags)).ToList();
        var openings = platformGroups.SelectMany(g => g.Rules.Select(r => (g, r))).Where(x => OpensAdminPortToAnywhere(x.r)).ToList();
        foreach (var (g, r) in openings)
        {
            var ports = string.Join(" and ", AdminPorts.Where(p => Covers(r, p)));
            findings.Add(Finding.Fail("exposure", g.Name,
                $"port {ports} is open to {(r.RemoteCidr ?? (r.EtherType == "IPv6" ? "::/0" : "0.0.0.0/0"))} (rule {r.Id}); SSH and the Kubernetes API must be reachable only from openstack.adminCidrs.",
                $"delete the rule (`openstack security group rule delete {r.Id}`); list your office or VPN ranges in openstack.adminCidrs.", IsoControls.NetworkSecurity));
        }
        if (openings.Count == 0)
            findings.Add(Finding.Pass("exposure", "22, 6443", "neither SSH nor the Kubernetes API is open to 0.0.0.0/0 or ::/0.", IsoControls.NetworkSecurity));

        // ---- instances: which ones, on which network, with which ports (8.22, 8.20, 5.23)
        var servers = live.Servers.Where(s => IsPlatformServer(intended.Platform, s)).ToList();
        var serverIds = servers.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        if (servers.Count != expected.Instances)
            findings.Add(Finding.Fail("instances", intended.Platform, $"{servers.Count} instances carry the platform's name; {expected.Instances} are intended ({string.Join(", ", servers.Select(s => s.Name))}).",
                "compare with the Terraform state: remove instances it does not manage, or run Provision to create the missing ones.", IsoControls.CloudServices));
        else
            findings.Add(Finding.Pass("instances", intended.Platform, $"{servers.Count} instances, as intended.", IsoControls.CloudServices));

        var tenantNetworks = TenantNetworks(intended, live);
        if (tenantNetworks.Count != 1)
        {
            findings.Add(Finding.Fail("tenant-network", intended.Network.NodeCidr,
                tenantNetworks.Count == 0 ? $"no network has a subnet {intended.Network.NodeCidr} (network.nodeCidr)." : $"{tenantNetworks.Count} networks have a subnet {intended.Network.NodeCidr}.",
                "run ./build.sh --target=Provision; make sure network.nodeCidr matches what was provisioned.", IsoControls.Segregation));
        }
        var tenant = tenantNetworks.Count == 1 ? tenantNetworks[0] : null;
        var serverPorts = live.Ports.Where(p => serverIds.Contains(p.DeviceId)).ToList();
        var networkNames = live.Networks.ToDictionary(n => n.Id, n => n.Name, StringComparer.Ordinal);
        var offTenant = tenant is null ? [] : serverPorts.Where(p => p.NetworkId != tenant.Id).ToList();
        foreach (var port in offTenant)
        {
            var server = servers.First(s => s.Id == port.DeviceId);
            findings.Add(Finding.Fail("tenant-network", server.Name,
                $"the instance has a port on network {networkNames.GetValueOrDefault(port.NetworkId, port.NetworkId)}, not only on the tenant network {tenant!.Name}.",
                $"detach it (`openstack server remove port {server.Id} {port.Id}`); nodes live only on the tenant network and reach the outside through the router.", IsoControls.Segregation));
        }
        if (tenant is not null && offTenant.Count == 0)
            findings.Add(Finding.Pass("tenant-network", tenant.Name, $"every instance is only on the tenant network ({intended.Network.NodeCidr}).", IsoControls.Segregation));

        var unsecured = serverPorts.Where(p => p.PortSecurityEnabled == false).ToList();
        foreach (var port in unsecured)
        {
            findings.Add(Finding.Fail("port-security", servers.First(s => s.Id == port.DeviceId).Name,
                $"port security is off on port {port.Id} ({string.Join(", ", port.FixedIps.Select(i => i.IpAddress))}): no security group and no anti-spoofing apply to it.",
                $"turn it on and restore the groups (`openstack port set --enable-port-security --security-group <group> {port.Id}`), or re-run Provision.", IsoControls.NetworkSecurity));
        }
        foreach (var port in serverPorts.Where(p => p.PortSecurityEnabled != false))
        {
            var outside = port.SecurityGroupIds.Where(id => !intendedGroupIds.Contains(id)).Select(id => groupNames.GetValueOrDefault(id, id)).ToList();
            if (outside.Count > 0)
                findings.Add(Finding.Fail("port-security", servers.First(s => s.Id == port.DeviceId).Name,
                    $"port {port.Id} uses security groups outside the intent: {string.Join(", ", outside)}.",
                    $"remove them (`openstack port unset --security-group <group> {port.Id}`).", IsoControls.Segregation));
        }
        if (serverPorts.Count > 0 && unsecured.Count == 0)
            findings.Add(Finding.Pass("port-security", intended.Platform, $"port security is on for all {serverPorts.Count} node ports.", IsoControls.NetworkSecurity));

        // ---- the single public IP (8.20)
        var platformPortIds = live.Ports.Where(p => serverIds.Contains(p.DeviceId) || (tenant is not null && p.NetworkId == tenant.Id))
            .Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var floating = live.FloatingIps.Where(f => (f.PortId is not null && platformPortIds.Contains(f.PortId))
            || PlatformNames.Owns(intended.Platform, null, f.Tags)).ToList();
        if (floating.Count > 1)
            findings.Add(Finding.Fail("floating-ip", intended.Platform,
                $"{floating.Count} floating IPs reach the platform ({string.Join(", ", floating.Select(f => f.Address))}); the design has exactly one public entry point.",
                "disassociate and release the extra ones (`openstack floating ip delete <address>`), keeping the one in the inventory.", IsoControls.NetworkSecurity));
        else if (floating.Count == 0)
            findings.Add(Finding.Fail("floating-ip", intended.Platform, "no floating IP reaches the platform.",
                "run ./build.sh --target=Provision to associate the platform's floating IP.", IsoControls.NetworkSecurity));
        else
            findings.Add(Finding.Pass("floating-ip", floating[0].Address, "the single public IP.", IsoControls.NetworkSecurity));

        // ---- volumes (5.23): CSI-provisioned volumes and the configured data volumes only
        var volumes = live.Volumes.Where(v => IsPlatformVolume(intended.Platform, v, serverIds)).ToList();
        var dataVolumes = volumes.Where(v => !IsCsiVolume(v) && expected.DataVolumeSizeGb > 0 && v.SizeGb == expected.DataVolumeSizeGb)
            .Take(expected.DataVolumeSizeGb > 0 ? expected.Workers : 0).Select(v => v.Id).ToHashSet(StringComparer.Ordinal);
        var unexpected = volumes.Where(v => !IsCsiVolume(v) && !dataVolumes.Contains(v.Id)).ToList();
        foreach (var v in unexpected)
        {
            findings.Add(Finding.Fail("volume", v.Name is { Length: > 0 } n ? n : v.Id,
                $"unexpected volume {v.Id} ({v.SizeGb} GB, {v.Status}): neither a CSI persistent volume nor one of the configured data volumes (openstack.dataVolumeSizeGb={expected.DataVolumeSizeGb}).",
                $"find out who created it; delete it (`openstack volume delete {v.Id}`) once its data is safe.", IsoControls.CloudServices));
        }
        if (unexpected.Count == 0)
            findings.Add(Finding.Pass("volume", intended.Platform, $"{volumes.Count} platform volumes, all expected (CSI or data volumes).", IsoControls.CloudServices));
        return findings;
    }

    public static NormalRule Normalise(SecurityRule r) =>
        new(r.Group, r.Direction.ToLowerInvariant(), r.EtherType, NormaliseProtocol(r.Protocol), r.PortMin, r.PortMax,
            NormaliseRemote(r.RemoteCidr, r.EtherType, r.RemoteGroup), r.RemoteGroup);

    public static NormalRule Normalise(SecurityGroupRuleRecord r, string group, IReadOnlyDictionary<string, string> groupNames) =>
        new(group, r.Direction.ToLowerInvariant(), r.EtherType, NormaliseProtocol(r.Protocol), r.PortMin, r.PortMax,
            NormaliseRemote(r.RemoteCidr, r.EtherType, r.RemoteGroupId),
            r.RemoteGroupId is null ? null : groupNames.GetValueOrDefault(r.RemoteGroupId, r.RemoteGroupId));

    /// <summary>Numbers of tcp/udp/icmp become their names (Neutron accepts both); every other value is kept as given.</summary>
    public static string? NormaliseProtocol(string? protocol) => protocol?.Trim().ToLowerInvariant() switch
    {
        null or "" or "any" => null,
        "6" => "tcp",
        "17" => "udp",
        "1" => "icmp",
        "58" or "icmpv6" or "ipv6-icmp" => "ipv6-icmp",
        var p => p,
    };

    /// <summary>No remote, 0.0.0.0/0 and ::/0 all mean "anywhere" (null); other CIDRs are reduced to their network address.</summary>
    public static string? NormaliseRemote(string? cidr, string etherType, string? remoteGroup)
    {
        if (remoteGroup is not null || string.IsNullOrWhiteSpace(cidr)) return null;
        var parts = cidr.Split('/');
        if (!IPAddress.TryParse(parts[0], out var address)) return cidr;
        var prefix = parts.Length > 1 && int.TryParse(parts[1], out var p) ? p : address.GetAddressBytes().Length * 8;
        if (prefix == 0) return null;
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return $"{new IPAddress(bytes)}/{prefix}";
    }

    private static string ProtocolHint(NormalRule r) => r.Protocol is "94" or "ipip"
        ? " IP-in-IP is IP protocol 4; 94 (and the name 'ipip' on some drivers) is a different protocol, so this rule does not carry Calico's IP-in-IP traffic."
        : "";

    public static bool OpensAdminPortToAnywhere(SecurityGroupRuleRecord r) =>
        r.Direction == "ingress" && r.RemoteGroupId is null && NormaliseRemote(r.RemoteCidr, r.EtherType, null) is null
        && NormaliseProtocol(r.Protocol) is null or "tcp" && AdminPorts.Any(p => Covers(r, p));

    private static bool Covers(SecurityGroupRuleRecord r, int port) =>
        (r.PortMin is null || r.PortMin <= port) && (r.PortMax is null || port <= r.PortMax);

    public static bool IsPlatformServer(string platform, ServerRecord s) =>
        PlatformNames.Owns(platform, s.Name, s.Tags) || s.Metadata.GetValueOrDefault("platform") == platform;

    public static bool IsCsiVolume(VolumeRecord v) => v.Metadata.ContainsKey("cinder.csi.openstack.org/cluster");

    public static bool IsPlatformVolume(string platform, VolumeRecord v, IReadOnlySet<string> serverIds) =>
        PlatformNames.Owns(platform, v.Name) || v.Metadata.GetValueOrDefault("platform") == platform
        || v.Metadata.GetValueOrDefault("cinder.csi.openstack.org/cluster") == platform
        || v.Attachments.Any(a => a.ServerId is not null && serverIds.Contains(a.ServerId));

    /// <summary>The network(s) holding a subnet with the node CIDR; the platform's own first.</summary>
    public static IReadOnlyList<NetworkRecord> TenantNetworks(SecurityIntent intended, LiveState live)
    {
        var wanted = NormaliseRemote(intended.Network.NodeCidr, "IPv4", null);
        var ids = live.Subnets.Where(s => NormaliseRemote(s.Cidr, "IPv4", null) == wanted).Select(s => s.NetworkId).ToHashSet(StringComparer.Ordinal);
        var networks = live.Networks.Where(n => ids.Contains(n.Id) && !n.External).ToList();
        var owned = networks.Where(n => PlatformNames.Owns(intended.Platform, n.Name, n.Tags)).ToList();
        return owned.Count > 0 ? owned : networks;
    }
}
