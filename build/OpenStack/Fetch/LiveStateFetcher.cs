using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.OpenStack.Fetch;

/// <summary>Reads the project's live state for Audit and the leak check (reads only, every list complete).</summary>
public static class LiveStateFetcher
{
    public static async Task<LiveState> FetchAsync(OpenStackApi api, CancellationToken ct = default) => new()
    {
        SecurityGroups = await api.SecurityGroupsAsync(ct),
        Networks = await api.NetworksAsync(ct: ct),
        Subnets = await api.SubnetsAsync(ct: ct),
        Ports = await api.PortsAsync(ct),
        Servers = await api.ServersAsync(ct),
        FloatingIps = await api.FloatingIpsAsync(ct: ct),
        Volumes = await api.VolumesAsync(ct),
    };

    public static async Task<LeakState> FetchLeaksAsync(OpenStackApi api, CancellationToken ct = default) => new()
    {
        Servers = await api.ServersAsync(ct),
        Ports = await api.PortsAsync(ct),
        FloatingIps = await api.FloatingIpsAsync(ct: ct),
        Volumes = await api.VolumesAsync(ct),
        SecurityGroups = await api.SecurityGroupsAsync(ct),
        Routers = await api.RoutersAsync(ct),
        Networks = await api.NetworksAsync(ct: ct),
        ApplicationCredentials = await api.ApplicationCredentialsAsync(ct),
        Keypairs = await api.KeypairsAsync(ct),
    };
}
