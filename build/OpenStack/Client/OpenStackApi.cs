using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Platform.Build.OpenStack.Client;

/// <summary>
/// The typed calls the suite makes: Neutron v2.0, Nova v2.1 (microversion header from the session), Cinder v3,
/// Glance v2 and Keystone v3. Lists are complete (the session follows pagination). Reads only, except the probes
/// Preflight makes to prove a permission (an application credential and a floating IP, each deleted right away).
/// </summary>
public sealed class OpenStackApi(OpenStackSession session)
{
    public OpenStackSession Session { get; } = session;
    private string ProjectId => Session.Token.ProjectId ?? "";

    private static T Read<T>(JsonElement e) => e.Deserialize<T>() ?? throw new JsonException($"Cannot read {typeof(T).Name}.");

    private async Task<IReadOnlyList<T>> List<T>(string service, string path, string collection, CancellationToken ct) =>
        (await Session.ListAsync(service, path, collection, ct)).Select(Read<T>).ToList();

    private static string Q(string value) => Uri.EscapeDataString(value);

    // ---------------------------------------------------------------- Neutron
    public Task<IReadOnlyList<NetworkRecord>> NetworksAsync(string? name = null, CancellationToken ct = default) =>
        List<NetworkRecord>(ServiceTypes.Network, "v2.0/networks" + (name is null ? "" : "?name=" + Q(name)), "networks", ct);

    public Task<IReadOnlyList<SubnetRecord>> SubnetsAsync(string? networkId = null, CancellationToken ct = default) =>
        List<SubnetRecord>(ServiceTypes.Network, "v2.0/subnets" + (networkId is null ? "" : "?network_id=" + Q(networkId)), "subnets", ct);

    public Task<IReadOnlyList<RouterRecord>> RoutersAsync(CancellationToken ct = default) =>
        List<RouterRecord>(ServiceTypes.Network, "v2.0/routers?project_id=" + Q(ProjectId), "routers", ct);

    public Task<IReadOnlyList<PortRecord>> PortsAsync(CancellationToken ct = default) =>
        List<PortRecord>(ServiceTypes.Network, "v2.0/ports?project_id=" + Q(ProjectId), "ports", ct);

    public Task<IReadOnlyList<FloatingIpRecord>> FloatingIpsAsync(string? address = null, CancellationToken ct = default) =>
        List<FloatingIpRecord>(ServiceTypes.Network,
            "v2.0/floatingips?project_id=" + Q(ProjectId) + (address is null ? "" : "&floating_ip_address=" + Q(address)), "floatingips", ct);

    public Task<IReadOnlyList<SecurityGroupRecord>> SecurityGroupsAsync(CancellationToken ct = default) =>
        List<SecurityGroupRecord>(ServiceTypes.Network, "v2.0/security-groups?project_id=" + Q(ProjectId), "security_groups", ct);

    /// <summary>The project's groups of one name (Preflight asks for Neutron's "default" group).</summary>
    public Task<IReadOnlyList<SecurityGroupRecord>> SecurityGroupsNamedAsync(string name, CancellationToken ct = default) =>
        List<SecurityGroupRecord>(ServiceTypes.Network, "v2.0/security-groups?project_id=" + Q(ProjectId) + "&name=" + Q(name), "security_groups", ct);

    public Task<IReadOnlyList<SecurityGroupRuleRecord>> SecurityGroupRulesAsync(CancellationToken ct = default) =>
        List<SecurityGroupRuleRecord>(ServiceTypes.Network, "v2.0/security-group-rules?project_id=" + Q(ProjectId), "security_group_rules", ct);

    public async Task<IReadOnlySet<string>> NetworkExtensionsAsync(CancellationToken ct = default)
    {
        var body = await Session.GetAsync(ServiceTypes.Network, "v2.0/extensions", ct);
        return body.GetProperty("extensions").EnumerateArray().Select(e => e.GetProperty("alias").GetString() ?? "").ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Neutron's quota with usage for the project (GET /v2.0/quotas/{project}/details).</summary>
    public async Task<IReadOnlyDictionary<string, QuotaUsage>> NetworkQuotaAsync(CancellationToken ct = default)
    {
        var body = await Session.GetAsync(ServiceTypes.Network, $"v2.0/quotas/{Q(ProjectId)}/details", ct);
        return body.GetProperty("quota").EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Object)
            .ToDictionary(p => p.Name, p => Read<QuotaUsage>(p.Value), StringComparer.Ordinal);
    }

    /// <summary>Free addresses of a network; null when the policy does not let this user see it (usually admin only).</summary>
    public async Task<IpAvailability?> IpAvailabilityAsync(string networkId, CancellationToken ct = default)
    {
        try
        {
            var body = await Session.GetAsync(ServiceTypes.Network, $"v2.0/network-ip-availabilities/{Q(networkId)}", ct);
            return Read<IpAvailability>(body.GetProperty("network_ip_availability"));
        }
        catch (OpenStackApiException e) when (e.Status is HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    public async Task<FloatingIpRecord> CreateFloatingIpAsync(string networkId, string description, CancellationToken ct = default)
    {
        var body = new JsonObject { ["floatingip"] = new JsonObject { ["floating_network_id"] = networkId, ["description"] = description } };
        return Read<FloatingIpRecord>((await Session.SendAsync(ServiceTypes.Network, HttpMethod.Post, "v2.0/floatingips", body, ct))!.Value.GetProperty("floatingip"));
    }

    public Task DeleteFloatingIpAsync(string id, CancellationToken ct = default) =>
        Session.SendAsync(ServiceTypes.Network, HttpMethod.Delete, $"v2.0/floatingips/{Q(id)}", null, ct);

    // ---------------------------------------------------------------- Nova
    public Task<IReadOnlyList<ServerRecord>> ServersAsync(CancellationToken ct = default) =>
        List<ServerRecord>(ServiceTypes.Compute, "servers/detail", "servers", ct);

    public Task<IReadOnlyList<FlavorRecord>> FlavorsAsync(CancellationToken ct = default) =>
        List<FlavorRecord>(ServiceTypes.Compute, "flavors/detail", "flavors", ct);

    public async Task<KeypairRecord?> KeypairAsync(string name, CancellationToken ct = default)
    {
        try
        {
            return Read<KeypairRecord>((await Session.GetAsync(ServiceTypes.Compute, $"os-keypairs/{Q(name)}", ct)).GetProperty("keypair"));
        }
        catch (OpenStackApiException e) when (e.Status == HttpStatusCode.NotFound)
        {
            return null;
        }
    }

    /// <summary>The user's key pairs, every page: since microversion 2.35 Nova pages them (limit, marker, keypairs_links).</summary>
    public async Task<IReadOnlyList<KeypairRecord>> KeypairsAsync(CancellationToken ct = default) =>
        (await Session.ListAsync(ServiceTypes.Compute, "os-keypairs", "keypairs", ct))
            .Select(k => Read<KeypairRecord>(k.GetProperty("keypair"))).ToList();

    /// <summary>Nova's absolute limits and usage (GET /limits): maxTotalInstances, totalInstancesUsed, ...</summary>
    public async Task<IReadOnlyDictionary<string, long>> ComputeLimitsAsync(CancellationToken ct = default) =>
        Absolute(await Session.GetAsync(ServiceTypes.Compute, "limits", ct));

    // ---------------------------------------------------------------- Cinder
    public Task<IReadOnlyList<VolumeRecord>> VolumesAsync(CancellationToken ct = default) =>
        List<VolumeRecord>(ServiceTypes.BlockStorage, "volumes/detail", "volumes", ct);

    /// <summary>Cinder's absolute limits and usage (GET /limits): maxTotalVolumes, totalGigabytesUsed, ...</summary>
    public async Task<IReadOnlyDictionary<string, long>> VolumeLimitsAsync(CancellationToken ct = default) =>
        Absolute(await Session.GetAsync(ServiceTypes.BlockStorage, "limits", ct));

    private static Dictionary<string, long> Absolute(JsonElement body) =>
        body.GetProperty("limits").GetProperty("absolute").EnumerateObject()
            .Where(p => p.Value.ValueKind == JsonValueKind.Number)
            .ToDictionary(p => p.Name, p => p.Value.GetInt64(), StringComparer.Ordinal);

    // ---------------------------------------------------------------- Glance
    public Task<IReadOnlyList<ImageRecord>> ImagesAsync(string name, CancellationToken ct = default) =>
        List<ImageRecord>(ServiceTypes.Image, "v2/images?name=" + Q(name), "images", ct);

    // ---------------------------------------------------------------- Keystone
    private string IdentityUrl(string path) => Keystone.TokensUrl(Session.Credentials).Replace("/auth/tokens", "/" + path, StringComparison.Ordinal);

    public async Task<IReadOnlyList<ApplicationCredentialRecord>> ApplicationCredentialsAsync(CancellationToken ct = default) =>
        (await Session.GetAsync(ServiceTypes.Identity, IdentityUrl($"users/{Q(Session.Token.UserId)}/application_credentials"), ct))
            .GetProperty("application_credentials").EnumerateArray().Select(Read<ApplicationCredentialRecord>).ToList();

    public async Task<ApplicationCredentialRecord> CreateApplicationCredentialAsync(string name, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        var body = new JsonObject
        {
            ["application_credential"] = new JsonObject
            {
                ["name"] = name,
                ["description"] = "Preflight probe: proves application credentials may be created; deleted at once.",
                ["expires_at"] = expiresAt.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss", System.Globalization.CultureInfo.InvariantCulture),
            },
        };
        var created = await Session.SendAsync(ServiceTypes.Identity, HttpMethod.Post,
            IdentityUrl($"users/{Q(Session.Token.UserId)}/application_credentials"), body, ct);
        var credential = created!.Value.GetProperty("application_credential");
        // The secret is shown once; it is never used, but still must not reach a log.
        if (credential.TryGetProperty("secret", out var secret)) Logging.Redaction.Register(secret.GetString());
        return Read<ApplicationCredentialRecord>(credential);
    }

    public Task DeleteApplicationCredentialAsync(string id, CancellationToken ct = default) =>
        Session.SendAsync(ServiceTypes.Identity, HttpMethod.Delete,
            IdentityUrl($"users/{Q(Session.Token.UserId)}/application_credentials/{Q(id)}"), null, ct);

    // ---------------------------------------------------------------- versions
    /// <summary>
    /// The API version a service offers at its catalog endpoint: Nova answers GET on its versioned endpoint; Neutron,
    /// Glance and Cinder list their versions at the unversioned root. Null when the document cannot be read.
    /// </summary>
    public async Task<IReadOnlyList<ApiVersion>> VersionsAsync(string serviceType, CancellationToken ct = default)
    {
        var endpoint = Session.EndpointFor(serviceType);
        var url = serviceType switch
        {
            ServiceTypes.Compute => endpoint + "/",
            ServiceTypes.Image => UnversionedRoot(endpoint) + "/versions",
            _ => UnversionedRoot(endpoint) + "/",
        };
        var (status, text) = await Session.GetAnonymousAsync(serviceType, url, ct);
        // Version lists answer 300 Multiple Choices on some services.
        if ((int)status >= 400) throw OpenStackApiException.From(serviceType, "GET", new Uri(url).AbsolutePath, status, text);
        using var doc = JsonDocument.Parse(text);
        var root = doc.RootElement;
        var list = root.TryGetProperty("version", out var one) ? [one]
            : root.TryGetProperty("versions", out var many)
                ? many.ValueKind == JsonValueKind.Array ? many.EnumerateArray().ToList()
                : many.TryGetProperty("values", out var values) ? values.EnumerateArray().ToList() : []
            : new List<JsonElement>();
        string? S(JsonElement e, string n) => e.TryGetProperty(n, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return list.Select(v => new ApiVersion(S(v, "id") ?? "", S(v, "status") ?? "", NullIfEmpty(S(v, "version")), NullIfEmpty(S(v, "min_version")))).ToList();
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;

    /// <summary>Strips a version suffix (/v2.0, /v2, /v3/{project}) from an endpoint URL.</summary>
    public static string UnversionedRoot(string endpoint)
    {
        var uri = new Uri(endpoint.TrimEnd('/') + "/");
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).ToList();
        var index = segments.FindIndex(s => System.Text.RegularExpressions.Regex.IsMatch(s, @"^v\d+(\.\d+)?$"));
        if (index >= 0) segments = segments.Take(index).ToList();
        return uri.GetLeftPart(UriPartial.Authority) + (segments.Count == 0 ? "" : "/" + string.Join('/', segments));
    }
}
