using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Build.Logging;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack.Lab;

/// <summary>
/// Seeds and changes the lab through the real APIs: as admin for what only an admin may do (external networks,
/// flavors, public images, projects, quotas), and as the member user for tenant resources. Every call goes through the
/// product's <see cref="OpenStackSession"/>, so the seeding exercises the client too.
/// </summary>
public sealed class LabCloud : IDisposable
{
    public const string MemberUser = "platform-member";
    public const string Region = "RegionOne";

    private LabCloud(OpenStackSession session, string memberPassword)
    {
        Session = session;
        MemberPassword = memberPassword;
    }

    public OpenStackSession Session { get; }
    public OpenStackApi Api => new(Session);
    public string MemberPassword { get; }

    public static async Task<LabCloud> ConnectAdminAsync(OpenStackLab lab, string memberPassword)
    {
        var session = await OpenStackSession.ConnectAsync(AdminCredentials(lab), new RecordingLog());
        return new LabCloud(session, memberPassword);
    }

    public static OpenStackCredentials AdminCredentials(OpenStackLab lab) => new()
    {
        AuthUrl = OpenStackLab.AuthUrl,
        UserName = "admin",
        UserDomainName = "Default",
        Password = lab.AdminPassword,
        ProjectName = "admin",
        ProjectDomainName = "Default",
        RegionName = Region,
        Source = "lab admin",
    };

    public OpenStackCredentials MemberCredentials(string project, string authUrl = OpenStackLab.AuthUrl) => new()
    {
        AuthUrl = authUrl,
        UserName = MemberUser,
        UserDomainName = "Default",
        Password = MemberPassword,
        ProjectName = project,
        ProjectDomainName = "Default",
        RegionName = Region,
        Source = "lab member",
    };

    /// <summary>The OS_* variables of the member on a project, as a user would export them.</summary>
    public Dictionary<string, string> MemberEnvironment(string project, string? password = null) => new()
    {
        ["OS_AUTH_URL"] = OpenStackLab.AuthUrl,
        ["OS_USERNAME"] = MemberUser,
        ["OS_PASSWORD"] = password ?? MemberPassword,
        ["OS_PROJECT_NAME"] = project,
        ["OS_USER_DOMAIN_NAME"] = "Default",
        ["OS_PROJECT_DOMAIN_NAME"] = "Default",
        ["OS_REGION_NAME"] = Region,
        ["OS_INTERFACE"] = "public",
        // No clouds.yaml from the machine's home may leak into a test.
        ["HOME"] = Path.Combine(Path.GetTempPath(), "oslab-home"),
    };

    public static JsonNode J(string json) => JsonNode.Parse(json)!;

    public async Task<JsonElement?> SendAsync(string service, HttpMethod method, string path, string? json = null) =>
        await Session.SendAsync(service, method, path, json, default);

    private string Identity(string path) => OpenStackLab.AuthUrl + "/" + path;

    // ---------------------------------------------------------------- identity
    public async Task<string> EnsureProjectAsync(string name)
    {
        var found = (await Session.GetAsync(ServiceTypes.Identity, Identity($"projects?name={name}"))).GetProperty("projects");
        if (found.GetArrayLength() > 0) return found[0].GetProperty("id").GetString()!;
        var created = await SendAsync(ServiceTypes.Identity, HttpMethod.Post, Identity("projects"),
            $$$$"""{"project": {"name": "{{{{name}}}}", "domain_id": "default"}}""");
        return created!.Value.GetProperty("project").GetProperty("id").GetString()!;
    }

    private string? _memberUserId;

    public async Task<string> EnsureMemberUserAsync()
    {
        if (_memberUserId is not null) return _memberUserId;
        Redaction.Register(MemberPassword);
        var found = (await Session.GetAsync(ServiceTypes.Identity, Identity($"users?name={MemberUser}"))).GetProperty("users");
        if (found.GetArrayLength() > 0)
        {
            var id = found[0].GetProperty("id").GetString()!;
            await SendAsync(ServiceTypes.Identity, HttpMethod.Patch, Identity($"users/{id}"), $$$$"""{"user": {"password": "{{{{MemberPassword}}}}"}}""");
            // A password change revokes the user's tokens issued up to that second (Keystone counts whole seconds):
            // let that second pass so the next token is valid.
            await Task.Delay(1500);
            return _memberUserId = id;
        }
        var created = await SendAsync(ServiceTypes.Identity, HttpMethod.Post, Identity("users"),
            $$$$"""{"user": {"name": "{{{{MemberUser}}}}", "domain_id": "default", "password": "{{{{MemberPassword}}}}"}}""");
        return _memberUserId = created!.Value.GetProperty("user").GetProperty("id").GetString()!;
    }

    public async Task GrantMemberAsync(string projectId, string userId)
    {
        var role = (await Session.GetAsync(ServiceTypes.Identity, Identity("roles?name=member"))).GetProperty("roles")[0].GetProperty("id").GetString();
        await SendAsync(ServiceTypes.Identity, HttpMethod.Put, Identity($"projects/{projectId}/users/{userId}/roles/{role}"));
    }

    /// <summary>A project where the member user has the member role (created when missing).</summary>
    public async Task<string> EnsureMemberProjectAsync(string name)
    {
        var project = await EnsureProjectAsync(name);
        await GrantMemberAsync(project, await EnsureMemberUserAsync());
        return project;
    }

    // ---------------------------------------------------------------- compute and image
    public async Task EnsureFlavorAsync(string name, int vcpus, int ramMb, int diskGb)
    {
        var flavors = await Api.FlavorsAsync();
        if (flavors.Any(f => f.Name == name)) return;
        await SendAsync(ServiceTypes.Compute, HttpMethod.Post, "flavors",
            $$$$"""{"flavor": {"name": "{{{{name}}}}", "vcpus": {{{{vcpus}}}}, "ram": {{{{ramMb}}}}, "disk": {{{{diskGb}}}}}}""");
    }

    public async Task<string> EnsureImageAsync(string name)
    {
        var images = await Api.ImagesAsync(name);
        if (images.FirstOrDefault(i => i.Status == "active") is { } active) return active.Id;
        var created = await SendAsync(ServiceTypes.Image, HttpMethod.Post, "v2/images",
            $$$$"""{"name": "{{{{name}}}}", "disk_format": "raw", "container_format": "bare", "visibility": "public"}""");
        var id = created!.Value.GetProperty("id").GetString()!;
        // The upload is binary, not JSON: a plain PUT with the session's current token.
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Put, Session.EndpointFor(ServiceTypes.Image) + $"/v2/images/{id}/file")
        {
            Content = new ByteArrayContent(new byte[1024]),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        request.Headers.TryAddWithoutValidation("X-Auth-Token", Session.Token.Value);
        using var response = await http.SendAsync(request);
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent), "image upload");
        return id;
    }

    public async Task SetComputeQuotaAsync(string projectId, string key, int value) =>
        await SendAsync(ServiceTypes.Compute, HttpMethod.Put, $"os-quota-sets/{projectId}", $$$$"""{"quota_set": {"{{{{key}}}}": {{{{value}}}}}}""");

    // ---------------------------------------------------------------- networks
    /// <summary>An external (router:external) network with one subnet whose allocation pool is the floating-IP pool.</summary>
    public async Task<string> EnsureExternalNetworkAsync(string name, string providerJson, string cidr, string poolStart, string poolEnd)
    {
        var existing = (await Api.NetworksAsync(name)).FirstOrDefault();
        if (existing is not null) return existing.Id;
        var network = await SendAsync(ServiceTypes.Network, HttpMethod.Post, "v2.0/networks",
            $$$$"""{"network": {"name": "{{{{name}}}}", "router:external": true, {{{{providerJson}}}}}}""");
        var id = network!.Value.GetProperty("network").GetProperty("id").GetString()!;
        await SendAsync(ServiceTypes.Network, HttpMethod.Post, "v2.0/subnets",
            $$$$"""{"subnet": {"name": "{{{{name}}}}-subnet", "network_id": "{{{{id}}}}", "ip_version": 4, "cidr": "{{{{cidr}}}}", "enable_dhcp": false, "allocation_pools": [{"start": "{{{{poolStart}}}}", "end": "{{{{poolEnd}}}}"}]}}""");
        return id;
    }

    /// <summary>A shared network that is not external: visible to every project, but no floating IPs come from it.</summary>
    public async Task EnsureSharedInternalNetworkAsync(string name)
    {
        if ((await Api.NetworksAsync(name)).Count > 0) return;
        await SendAsync(ServiceTypes.Network, HttpMethod.Post, "v2.0/networks", $$$$"""{"network": {"name": "{{{{name}}}}", "shared": true}}""");
    }

    /// <summary>Allocates floating IPs to the admin project until the network's pool is empty.</summary>
    public async Task ExhaustPoolAsync(string networkId)
    {
        for (var i = 0; i < 50; i++)
        {
            try
            {
                await Api.CreateFloatingIpAsync(networkId, "lab: exhausts the pool");
            }
            catch (OpenStackApiException e) when (e.Status == HttpStatusCode.Conflict)
            {
                return;
            }
        }
        Assert.Fail("the pool did not run out after 50 floating IPs");
    }

    public void Dispose() => Session.Dispose();
}
