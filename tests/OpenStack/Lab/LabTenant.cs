using System.Net;
using System.Text.Json;
using Platform.Build.Inventory;
using Platform.Build.Logging;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack.Lab;

/// <summary>
/// Tenant resources built as the member user through the real APIs, the way Provision would lay them out from the
/// intent: security groups and rules, network, subnet, router to the external network, one port per node, servers
/// booted on those ports, one floating IP on the control plane. Teardown removes them again (optionally leaving one
/// thing behind, for the leak check).
/// </summary>
public sealed class LabTenant : IDisposable
{
    private LabTenant(OpenStackSession session, string platform)
    {
        Session = session;
        Platform = platform;
    }

    public OpenStackSession Session { get; }
    public OpenStackApi Api => new(Session);
    public string Platform { get; }
    public Dictionary<string, string> GroupIds { get; } = new(StringComparer.Ordinal);
    /// <summary>Node name -> (server id, port id).</summary>
    public Dictionary<string, (string Server, string Port)> Nodes { get; } = new(StringComparer.Ordinal);
    public string? NetworkId { get; private set; }
    public string? SubnetId { get; private set; }
    public string? RouterId { get; private set; }
    public string? FloatingIpId { get; private set; }

    public static async Task<LabTenant> ConnectAsync(LabCloud admin, string project, string platform)
    {
        await admin.EnsureMemberProjectAsync(project);
        var session = await OpenStackSession.ConnectAsync(admin.MemberCredentials(project), new RecordingLog());
        return new LabTenant(session, platform);
    }

    public async Task<JsonElement> PostAsync(string service, string path, string json) =>
        (await Session.SendAsync(service, HttpMethod.Post, path, json))!.Value;

    public async Task PutAsync(string service, string path, string json) => await Session.SendAsync(service, HttpMethod.Put, path, json);

    public async Task DeleteAsync(string service, string path)
    {
        try
        {
            await Session.SendAsync(service, HttpMethod.Delete, path);
        }
        catch (OpenStackApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            // Already gone.
        }
    }

    private static string Id(JsonElement body, string kind) => body.GetProperty(kind).GetProperty("id").GetString()!;

    /// <summary>Adds one security-group rule; returns its id.</summary>
    public async Task<string> AddRuleAsync(string group, string direction, string? protocol, int? min, int? max, string? cidr, string? remoteGroup,
        string etherType = "IPv4")
    {
        var rule = new Dictionary<string, object?>
        {
            ["security_group_id"] = GroupIds[group],
            ["direction"] = direction,
            ["ethertype"] = etherType,
            ["protocol"] = protocol,
            ["port_range_min"] = min,
            ["port_range_max"] = max,
            ["remote_ip_prefix"] = cidr,
            ["remote_group_id"] = remoteGroup is null ? null : GroupIds[remoteGroup],
        };
        var body = await PostAsync(ServiceTypes.Network, "v2.0/security-group-rules",
            JsonSerializer.Serialize(new { security_group_rule = rule.Where(kv => kv.Value is not null).ToDictionary() }));
        return Id(body, "security_group_rule");
    }

    /// <summary>Builds everything the intent describes, plus 3 nodes and the floating IP.</summary>
    public async Task BuildAsync(SecurityIntent intent, string externalNetworkId)
    {
        foreach (var group in intent.Groups)
            GroupIds[group] = Id(await PostAsync(ServiceTypes.Network, "v2.0/security-groups", $$$$"""{"security_group": {"name": "{{{{group}}}}"}}"""), "security_group");
        // As Terraform does (delete_default_rules): drop the egress pair Neutron adds to each new group, then create
        // exactly the intended rules.
        foreach (var group in intent.Groups)
        {
            var created = await Session.SendAsync(ServiceTypes.Network, HttpMethod.Get, $"v2.0/security-group-rules?security_group_id={GroupIds[group]}");
            foreach (var rule in created!.Value.GetProperty("security_group_rules").EnumerateArray())
                await DeleteAsync(ServiceTypes.Network, $"v2.0/security-group-rules/{rule.GetProperty("id").GetString()}");
        }
        foreach (var r in intent.Rules)
            await AddRuleAsync(r.Group, r.Direction, r.Protocol, r.PortMin, r.PortMax, r.RemoteCidr, r.RemoteGroup, r.EtherType);

        await BuildNetworkAsync(intent.Network.NodeCidr, externalNetworkId);
        var flavors = await Api.FlavorsAsync();
        var image = (await Api.ImagesAsync(LabSetUp.Image)).Single();
        (string Name, string Flavor, string[] Groups)[] nodes =
        [
            ($"{Platform}-cp-0", "m1.medium", [IntentBuilder.Nodes(Platform), IntentBuilder.ControlPlane(Platform), IntentBuilder.Admin(Platform)]),
            ($"{Platform}-worker-0", "m1.large", [IntentBuilder.Nodes(Platform), IntentBuilder.Ingress(Platform)]),
            ($"{Platform}-worker-1", "m1.large", [IntentBuilder.Nodes(Platform)]),
        ];
        foreach (var (name, flavor, groups) in nodes)
        {
            var port = await CreatePortAsync($"{name}-port", groups);
            var server = await PostAsync(ServiceTypes.Compute, "servers", JsonSerializer.Serialize(new
            {
                server = new
                {
                    name,
                    imageRef = image.Id,
                    flavorRef = flavors.Single(f => f.Name == flavor).Id,
                    networks = new[] { new { port } },
                },
            }));
            Nodes[name] = (Id(server, "server"), port);
        }
        foreach (var (name, (server, _)) in Nodes) await WaitForServerAsync(name, server);
        FloatingIpId = await AssociateNewFloatingIpAsync(externalNetworkId, Nodes[$"{Platform}-cp-0"].Port);
    }

    public async Task BuildNetworkAsync(string cidr, string externalNetworkId)
    {
        NetworkId = Id(await PostAsync(ServiceTypes.Network, "v2.0/networks", $$$$"""{"network": {"name": "{{{{Platform}}}}-net"}}"""), "network");
        SubnetId = Id(await PostAsync(ServiceTypes.Network, "v2.0/subnets",
            $$$$"""{"subnet": {"name": "{{{{Platform}}}}-subnet", "network_id": "{{{{NetworkId}}}}", "ip_version": 4, "cidr": "{{{{cidr}}}}"}}"""), "subnet");
        RouterId = Id(await PostAsync(ServiceTypes.Network, "v2.0/routers",
            $$$$"""{"router": {"name": "{{{{Platform}}}}-router", "external_gateway_info": {"network_id": "{{{{externalNetworkId}}}}"}}}"""), "router");
        await PutAsync(ServiceTypes.Network, $"v2.0/routers/{RouterId}/add_router_interface", $$$$"""{"subnet_id": "{{{{SubnetId}}}}"}""");
    }

    public async Task<string> CreatePortAsync(string name, IEnumerable<string> groups)
    {
        var body = JsonSerializer.Serialize(new { port = new { name, network_id = NetworkId, security_groups = groups.Select(g => GroupIds[g]).ToArray() } });
        return Id(await PostAsync(ServiceTypes.Network, "v2.0/ports", body), "port");
    }

    public async Task<string> AssociateNewFloatingIpAsync(string externalNetworkId, string portId)
    {
        var fip = Id(await PostAsync(ServiceTypes.Network, "v2.0/floatingips",
            $$$$"""{"floatingip": {"floating_network_id": "{{{{externalNetworkId}}}}", "port_id": "{{{{portId}}}}"}}"""), "floatingip");
        return fip;
    }

    /// <summary>
    /// Creates a 1 GB volume and waits until it is available. Just after the lab starts, Cinder's scheduler may not yet
    /// have heard from the fake volume backend and puts the volume in "error": such a volume is deleted (nothing leaks
    /// into other tests) and the creation tried again, for up to about two minutes.
    /// </summary>
    public async Task<string> CreateVolumeAsync(string name)
    {
        string? last = null;
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var id = Id(await PostAsync(ServiceTypes.BlockStorage, "volumes", $$$$"""{"volume": {"name": "{{{{name}}}}", "size": 1}}"""), "volume");
            // The scheduler settles a volume as available or error; "creating" is only ever transient.
            for (var i = 0; i < 180; i++)
            {
                last = (await Session.GetAsync(ServiceTypes.BlockStorage, $"volumes/{id}")).GetProperty("volume").GetProperty("status").GetString();
                if (last == "available") return id;
                if (last == "error") break;
                await Task.Delay(500);
            }
            if (last != "error") break;
            await DeleteVolumeAsync(id);
            TestContext.Out.WriteLine($"volume {name} attempt {attempt} ended '{last}'; retrying while the volume backend registers");
            await Task.Delay(TimeSpan.FromSeconds(10));
        }
        Assert.Fail($"volume {name} did not become available (last status '{last}')");
        return "";
    }

    private async Task DeleteVolumeAsync(string id)
    {
        await DeleteAsync(ServiceTypes.BlockStorage, $"volumes/{id}");
        for (var i = 0; i < 60; i++)
        {
            try
            {
                await Session.GetAsync(ServiceTypes.BlockStorage, $"volumes/{id}");
            }
            catch (OpenStackApiException e) when (e.Status == HttpStatusCode.NotFound)
            {
                return;
            }
            await Task.Delay(500);
        }
    }

    private async Task WaitForServerAsync(string name, string id)
    {
        for (var i = 0; i < 120; i++)
        {
            var status = (await Session.GetAsync(ServiceTypes.Compute, $"servers/{id}")).GetProperty("server").GetProperty("status").GetString();
            if (status == "ACTIVE") return;
            if (status == "ERROR") Assert.Fail($"server {name} went to ERROR");
            await Task.Delay(1000);
        }
        Assert.Fail($"server {name} did not become ACTIVE in 2 minutes");
    }

    /// <summary>
    /// Removes what the platform owns in the project (everything named after it), in dependency order. A kept port or
    /// volume stays, as a leak would.
    /// </summary>
    public async Task TeardownAsync(string? keepPortId = null, string? keepVolumeId = null)
    {
        var api = Api;
        bool Mine(string? name) => name is not null && (name == Platform || name.StartsWith(Platform + "-", StringComparison.Ordinal));
        foreach (var fip in await api.FloatingIpsAsync()) await DeleteAsync(ServiceTypes.Network, $"v2.0/floatingips/{fip.Id}");
        var servers = (await api.ServersAsync()).Where(s => Mine(s.Name)).ToList();
        foreach (var s in servers) await DeleteAsync(ServiceTypes.Compute, $"servers/{s.Id}");
        for (var i = 0; i < 120 && (await api.ServersAsync()).Any(s => Mine(s.Name)); i++) await Task.Delay(1000);
        foreach (var v in (await api.VolumesAsync()).Where(v => Mine(v.Name) && v.Id != keepVolumeId))
            await DeleteAsync(ServiceTypes.BlockStorage, $"volumes/{v.Id}");
        var routers = (await api.RoutersAsync()).Where(r => Mine(r.Name)).ToList();
        var ports = await api.PortsAsync();
        foreach (var r in routers)
        {
            foreach (var p in ports.Where(p => p.DeviceId == r.Id && p.DeviceOwner == "network:router_interface"))
                await PutAsync(ServiceTypes.Network, $"v2.0/routers/{r.Id}/remove_router_interface", $$$$"""{"port_id": "{{{{p.Id}}}}"}""");
            await DeleteAsync(ServiceTypes.Network, $"v2.0/routers/{r.Id}");
        }
        var networks = (await api.NetworksAsync()).Where(n => Mine(n.Name)).Select(n => n.Id).ToHashSet();
        foreach (var p in (await api.PortsAsync()).Where(p => (Mine(p.Name) || networks.Contains(p.NetworkId)) && p.Id != keepPortId && p.DeviceOwner != "network:dhcp"))
            await DeleteAsync(ServiceTypes.Network, $"v2.0/ports/{p.Id}");
        var keptPortNetwork = keepPortId is null ? null : (await api.PortsAsync()).FirstOrDefault(p => p.Id == keepPortId)?.NetworkId;
        foreach (var n in networks.Where(n => n != keptPortNetwork)) await DeleteAsync(ServiceTypes.Network, $"v2.0/networks/{n}");
        foreach (var g in (await api.SecurityGroupsAsync()).Where(g => Mine(g.Name))) await DeleteAsync(ServiceTypes.Network, $"v2.0/security-groups/{g.Id}");
        await DeleteAsync(ServiceTypes.Compute, $"os-keypairs/{Platform}");
        foreach (var a in (await api.ApplicationCredentialsAsync()).Where(a => Mine(a.Name))) await api.DeleteApplicationCredentialAsync(a.Id);
        GroupIds.Clear();
        Nodes.Clear();
        NetworkId = SubnetId = RouterId = FloatingIpId = null;
    }

    public void Dispose() => Session.Dispose();
}
