using Platform.Build.OpenStack.Client;

namespace Platform.Build.OpenStack.Checks;

/// <summary>Everything of the project the leak check looks through (fetched by LeakStateFetcher).</summary>
public sealed record LeakState
{
    public IReadOnlyList<ServerRecord> Servers { get; init; } = [];
    public IReadOnlyList<PortRecord> Ports { get; init; } = [];
    public IReadOnlyList<FloatingIpRecord> FloatingIps { get; init; } = [];
    public IReadOnlyList<VolumeRecord> Volumes { get; init; } = [];
    public IReadOnlyList<SecurityGroupRecord> SecurityGroups { get; init; } = [];
    public IReadOnlyList<RouterRecord> Routers { get; init; } = [];
    public IReadOnlyList<NetworkRecord> Networks { get; init; } = [];
    public IReadOnlyList<ApplicationCredentialRecord> ApplicationCredentials { get; init; } = [];
    public IReadOnlyList<KeypairRecord> Keypairs { get; init; } = [];
}

/// <summary>
/// After Teardown nothing may remain that carries the platform's name or tags, nor anything hanging off such a thing
/// (a port on its network, a floating IP on such a port, a volume attached to its server). Pure.
/// </summary>
public static class LeakChecks
{
    public static IReadOnlyList<Finding> Evaluate(string platform, LeakState s)
    {
        var servers = s.Servers.Where(x => AuditChecks.IsPlatformServer(platform, x)).ToList();
        var serverIds = servers.Select(x => x.Id).ToHashSet(StringComparer.Ordinal);
        var networks = s.Networks.Where(n => PlatformNames.Owns(platform, n.Name, n.Tags)).ToList();
        var networkIds = networks.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var routers = s.Routers.Where(r => PlatformNames.Owns(platform, r.Name, r.Tags)).ToList();
        var routerIds = routers.Select(r => r.Id).ToHashSet(StringComparer.Ordinal);
        var ports = s.Ports.Where(p => PlatformNames.Owns(platform, p.Name, p.Tags) || networkIds.Contains(p.NetworkId)
            || serverIds.Contains(p.DeviceId) || routerIds.Contains(p.DeviceId)).ToList();
        var portIds = ports.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var floating = s.FloatingIps.Where(f => PlatformNames.Owns(platform, null, f.Tags) || (f.PortId is not null && portIds.Contains(f.PortId))
            || (f.Description ?? "").StartsWith(platform + " ", StringComparison.Ordinal)).ToList();
        var volumes = s.Volumes.Where(v => AuditChecks.IsPlatformVolume(platform, v, serverIds)).ToList();
        var groups = s.SecurityGroups.Where(g => PlatformNames.Owns(platform, g.Name, g.Tags)).ToList();
        var credentials = s.ApplicationCredentials.Where(a => PlatformNames.Owns(platform, a.Name)).ToList();
        var keypairs = s.Keypairs.Where(k => k.Name == PlatformNames.Keypair(platform)).ToList();

        var findings = new List<Finding>();
        void Leak(string kind, string name, string id, string delete) =>
            findings.Add(Finding.Fail("leak", $"{kind} {(name.Length > 0 ? name : id)}", $"{kind} {id} is still there after Teardown.",
                $"delete it (`{delete}`), then find out why Teardown missed it (a resource created outside Terraform?).", IsoControls.CloudServices));
        foreach (var x in servers) Leak("server", x.Name, x.Id, $"openstack server delete {x.Id}");
        foreach (var x in floating) Leak("floating IP", x.Address, x.Id, $"openstack floating ip delete {x.Id}");
        foreach (var x in ports) Leak("port", x.Name, x.Id, $"openstack port delete {x.Id}");
        foreach (var x in volumes) Leak("volume", x.Name ?? "", x.Id, $"openstack volume delete {x.Id}");
        foreach (var x in routers) Leak("router", x.Name, x.Id, $"openstack router delete {x.Id}");
        foreach (var x in networks) Leak("network", x.Name, x.Id, $"openstack network delete {x.Id}");
        foreach (var x in groups) Leak("security group", x.Name, x.Id, $"openstack security group delete {x.Id}");
        foreach (var x in credentials) Leak("application credential", x.Name, x.Id, $"openstack application credential delete {x.Id}");
        foreach (var x in keypairs) Leak("keypair", x.Name, x.Name, $"openstack keypair delete {x.Name}");
        if (findings.Count == 0)
            findings.Add(Finding.Pass("leak", platform,
                "nothing carrying the platform's name or tags is left: servers, ports, floating IPs, volumes, security groups, routers, networks, application credentials, key pairs.",
                IsoControls.CloudServices));
        return findings;
    }
}
