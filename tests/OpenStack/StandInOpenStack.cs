using System.Net;
using System.Text;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack;

/// <summary>
/// An in-process stand-in for the OpenStack APIs, as an <see cref="HttpMessageHandler"/> under the real
/// <see cref="OpenStackSession"/>: it answers every call Preflight makes as a ready tenant would, and a test scripts
/// single calls to fail (an error status, a dropped connection, no answer, a body that is not the API's JSON). It
/// records each request ("GET /network/v2.0/networks") so tests can assert retries. The real lab covers the real
/// answers; this covers the failures a real cloud cannot be made to produce on demand.
/// </summary>
public sealed class StandInOpenStack : HttpMessageHandler
{
    public const string Root = "http://cloud.test";
    public const string AuthUrl = Root + "/identity/v3";
    public const string ProjectId = "p1";
    public const string UserId = "u1";
    public const string TokenValue = "standin-token-0123456789";

    private readonly object _gate = new();
    private readonly List<string> _requests = [];
    private readonly Dictionary<string, Queue<Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>>> _scripts = new(StringComparer.Ordinal);

    /// <summary>Every request seen, as "METHOD /path" (no query).</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_gate) return [.. _requests];
        }
    }

    public int Count(string methodAndPath) => Requests.Count(r => r == methodAndPath);

    /// <summary>The next calls of METHOD /path get these answers, one each, in order; then the ready answer again.</summary>
    public StandInOpenStack On(string methodAndPath, params Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>[] answers)
    {
        lock (_gate)
        {
            if (!_scripts.TryGetValue(methodAndPath, out var queue)) _scripts[methodAndPath] = queue = new();
            foreach (var answer in answers) queue.Enqueue(answer);
        }
        return this;
    }

    // ---------------------------------------------------------------- scripted answers
    public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> Status(HttpStatusCode status, string body = "") =>
        (_, _) => Task.FromResult(Json(status, body));

    /// <summary>The connection fails the way SocketsHttpHandler reports it.</summary>
    public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> ConnectionReset() =>
        (_, _) => throw new HttpRequestException("An error occurred while sending the request.",
            new IOException("Unable to read data from the transport connection: Connection reset by peer."));

    /// <summary>No answer until the client gives up (HttpClient.Timeout cancels the request).</summary>
    public static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> NoAnswer() =>
        async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            throw new InvalidOperationException("unreachable");
        };

    // ---------------------------------------------------------------- the ready tenant
    public static OpenStackCredentials Credentials(string password = "standin-password-1234") => new()
    {
        AuthUrl = AuthUrl,
        UserName = "alice",
        UserDomainName = "Default",
        Password = password,
        ProjectName = "platform",
        ProjectDomainName = "Default",
        Source = "stand-in",
    };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var key = $"{request.Method.Method} {request.RequestUri!.AbsolutePath}";
        Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>? script = null;
        lock (_gate)
        {
            _requests.Add(key);
            if (_scripts.TryGetValue(key, out var queue) && queue.Count > 0) script = queue.Dequeue();
        }
        return script is not null ? await script(request, cancellationToken) : Ready(key, request);
    }

    private static HttpResponseMessage Json(HttpStatusCode status, string body) =>
        new(status) { Content = new StringContent(body, Encoding.UTF8, "application/json") };

    private static string Quota(long limit) => $$$"""{"limit": {{{limit}}}, "used": 0, "reserved": 0}""";

    private static HttpResponseMessage Ready(string key, HttpRequestMessage request)
    {
        var path = request.RequestUri!.AbsolutePath;
        if (key == "POST /identity/v3/auth/tokens")
        {
            var response = Json(HttpStatusCode.Created, $$$"""
                {"token": {"methods": ["password"], "user": {"id": "{{{UserId}}}", "name": "alice"},
                 "project": {"id": "{{{ProjectId}}}", "name": "platform"}, "roles": [{"name": "member"}],
                 "issued_at": "{{{DateTimeOffset.UtcNow.AddMinutes(-1):O}}}", "expires_at": "{{{DateTimeOffset.UtcNow.AddHours(1):O}}}",
                 "catalog": [
                   {"type": "compute", "name": "nova", "endpoints": [{"interface": "public", "region_id": "R1", "url": "{{{Root}}}/compute/v2.1"}]},
                   {"type": "network", "name": "neutron", "endpoints": [{"interface": "public", "region_id": "R1", "url": "{{{Root}}}/network"}]},
                   {"type": "image", "name": "glance", "endpoints": [{"interface": "public", "region_id": "R1", "url": "{{{Root}}}/image"}]},
                   {"type": "volumev3", "name": "cinder", "endpoints": [{"interface": "public", "region_id": "R1", "url": "{{{Root}}}/volume/v3/{{{ProjectId}}}"}]}]}}
                """);
            response.Headers.TryAddWithoutValidation("X-Subject-Token", TokenValue);
            return response;
        }
        return key switch
        {
            "GET /compute/v2.1/" => Json(HttpStatusCode.OK, """{"version": {"id": "v2.1", "status": "CURRENT", "version": "2.93", "min_version": "2.1"}}"""),
            "GET /network/" => Json(HttpStatusCode.OK, """{"versions": [{"id": "v2.0", "status": "CURRENT"}]}"""),
            "GET /image/versions" => Json(HttpStatusCode.OK, """{"versions": [{"id": "v2.15", "status": "CURRENT"}]}"""),
            "GET /volume/" => Json(HttpStatusCode.OK, """{"versions": [{"id": "v3.0", "status": "CURRENT", "version": "3.70", "min_version": "3.0"}]}"""),
            "GET /network/v2.0/networks" => Json(HttpStatusCode.OK, """{"networks": [{"id": "ext", "name": "public", "router:external": true}]}"""),
            "GET /network/v2.0/network-ip-availabilities/ext" => Json(HttpStatusCode.OK,
                """{"network_ip_availability": {"network_id": "ext", "total_ips": 100, "used_ips": 3}}"""),
            "GET /network/v2.0/extensions" => Json(HttpStatusCode.OK,
                """{"extensions": [{"alias": "external-net"}, {"alias": "router"}, {"alias": "security-group"}, {"alias": "port-security"}]}"""),
            "GET /network/v2.0/security-groups" => Json(HttpStatusCode.OK, """{"security_groups": [{"id": "d1", "name": "default"}]}"""),
            "GET /network/v2.0/quotas/p1/details" => Json(HttpStatusCode.OK, $$$"""
                {"quota": {"network": {{{Quota(100)}}}, "subnet": {{{Quota(100)}}}, "router": {{{Quota(10)}}}, "port": {{{Quota(500)}}},
                 "floatingip": {{{Quota(50)}}}, "security_group": {{{Quota(10)}}}, "security_group_rule": {{{Quota(100)}}}}}
                """),
            "GET /compute/v2.1/limits" => Json(HttpStatusCode.OK, """
                {"limits": {"absolute": {"maxTotalInstances": 10, "totalInstancesUsed": 0, "maxTotalCores": 20, "totalCoresUsed": 0,
                 "maxTotalRAMSize": 51200, "totalRAMUsed": 0, "maxTotalKeypairs": 100}}}
                """),
            "GET /compute/v2.1/flavors/detail" => Json(HttpStatusCode.OK, """
                {"flavors": [{"id": "f1", "name": "m1.medium", "vcpus": 2, "ram": 4096, "disk": 20},
                             {"id": "f2", "name": "m1.large", "vcpus": 4, "ram": 8192, "disk": 40}]}
                """),
            "GET /compute/v2.1/os-keypairs/seed" => Json(HttpStatusCode.NotFound, """{"itemNotFound": {"code": 404, "message": "Keypair seed not found."}}"""),
            "GET /volume/v3/p1/limits" => Json(HttpStatusCode.OK, """
                {"limits": {"absolute": {"maxTotalVolumes": 10, "totalVolumesUsed": 0, "maxTotalVolumeGigabytes": 1000, "totalGigabytesUsed": 0}}}
                """),
            "GET /image/v2/images" => Json(HttpStatusCode.OK, """{"images": [{"id": "i1", "name": "debian-12", "status": "active"}]}"""),
            "POST /identity/v3/users/u1/application_credentials" => Json(HttpStatusCode.Created,
                """{"application_credential": {"id": "ac1", "name": "seed-preflight-probe", "secret": "standin-secret-5678"}}"""),
            _ when request.Method == HttpMethod.Delete && path.StartsWith("/identity/v3/users/u1/application_credentials/", StringComparison.Ordinal) =>
                new HttpResponseMessage(HttpStatusCode.NoContent),
            _ => Json(HttpStatusCode.NotFound, $$$"""{"error": {"code": 404, "message": "the stand-in has no answer for {{{key}}}"}}"""),
        };
    }
}
