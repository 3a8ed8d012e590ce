using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Build.Logging;

namespace Platform.Build.OpenStack.Client;

public sealed record CatalogEndpoint(string ServiceType, string ServiceName, string Interface, string? Region, string Url);

/// <summary>A Keystone v3 token with what came with it. <see cref="Value"/> is a secret (registered for redaction).</summary>
public sealed record KeystoneToken(
    string Value,
    DateTimeOffset IssuedAt,
    DateTimeOffset ExpiresAt,
    string UserId,
    string UserName,
    string? ProjectId,
    string? ProjectName,
    IReadOnlyList<string> Roles,
    IReadOnlyList<string> Methods,
    IReadOnlyList<CatalogEndpoint> Catalog)
{
    public CatalogEndpoint? FindEndpoint(string serviceType, string @interface, string? region) =>
        ServiceTypes.Aliases(serviceType)
            .SelectMany(alias => Catalog.Where(e => e.ServiceType == alias && e.Interface == @interface
                && (region is null || e.Region == region)))
            .FirstOrDefault();

    public override string ToString() => $"token for {UserName} on {ProjectName}, expires {ExpiresAt:u}";
}

/// <summary>Keystone v3: password and application-credential authentication, and the few identity calls the suite makes.</summary>
public static class Keystone
{
    /// <summary>The request body of POST /v3/auth/tokens for these credentials.</summary>
    public static JsonObject AuthBody(OpenStackCredentials c, bool scoped)
    {
        JsonObject Domain(string? name, string? id) => id is not null ? new JsonObject { ["id"] = id } : new JsonObject { ["name"] = name };
        JsonObject User() => c.UserId is not null
            ? new JsonObject { ["id"] = c.UserId }
            : new JsonObject { ["name"] = c.UserName, ["domain"] = Domain(c.UserDomainName, c.UserDomainId) };

        JsonObject identity;
        if (c.Method == AuthMethod.ApplicationCredential)
        {
            var credential = c.ApplicationCredentialId is not null
                ? new JsonObject { ["id"] = c.ApplicationCredentialId }
                : new JsonObject { ["name"] = c.ApplicationCredentialName, ["user"] = User() };
            credential["secret"] = c.ApplicationCredentialSecret;
            identity = new JsonObject { ["methods"] = new JsonArray("application_credential"), ["application_credential"] = credential };
            // An application credential carries its own project scope; Keystone refuses an explicit one.
            return new JsonObject { ["auth"] = new JsonObject { ["identity"] = identity } };
        }

        var user = User();
        user["password"] = c.Password;
        identity = new JsonObject { ["methods"] = new JsonArray("password"), ["password"] = new JsonObject { ["user"] = user } };
        var auth = new JsonObject { ["identity"] = identity };
        if (scoped)
        {
            auth["scope"] = new JsonObject
            {
                ["project"] = c.ProjectId is not null
                    ? new JsonObject { ["id"] = c.ProjectId }
                    : new JsonObject { ["name"] = c.ProjectName, ["domain"] = Domain(c.ProjectDomainName, c.ProjectDomainId) },
            };
        }
        return new JsonObject { ["auth"] = auth };
    }

    public static string TokensUrl(OpenStackCredentials c)
    {
        var url = c.AuthUrl.TrimEnd('/');
        if (!url.EndsWith("/v3", StringComparison.Ordinal)) url += "/v3";
        return url + "/auth/tokens";
    }

    /// <summary>POST /v3/auth/tokens. A 401 (wrong password, unknown user, no role on the project) throws with that status.</summary>
    public static async Task<KeystoneToken> IssueTokenAsync(OpenStackSession session, OpenStackCredentials c, bool scoped,
        CancellationToken ct)
    {
        var url = TokensUrl(c);
        var (status, body, headers) = await session.SendKeystoneAuthAsync(url, AuthBody(c, scoped).ToJsonString(), ct);
        if (status != HttpStatusCode.Created && status != HttpStatusCode.OK)
            throw OpenStackApiException.From(ServiceTypes.Identity, "POST", "/v3/auth/tokens", status, body);
        var value = headers.TryGetValues("X-Subject-Token", out var values) ? values.First() : null;
        if (string.IsNullOrEmpty(value))
            throw new OpenStackApiException(ServiceTypes.Identity, "POST", "/v3/auth/tokens", status, "Keystone sent no X-Subject-Token header.");
        Redaction.Register(value);
        return ParseToken(value, JsonDocument.Parse(body).RootElement.GetProperty("token"));
    }

    public static KeystoneToken ParseToken(string value, JsonElement token)
    {
        string? S(JsonElement e, string name) => e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        var user = token.GetProperty("user");
        var project = token.TryGetProperty("project", out var p) ? p : default;
        var catalog = new List<CatalogEndpoint>();
        if (token.TryGetProperty("catalog", out var services))
        {
            foreach (var service in services.EnumerateArray())
            {
                foreach (var endpoint in service.GetProperty("endpoints").EnumerateArray())
                {
                    catalog.Add(new CatalogEndpoint(S(service, "type") ?? "", S(service, "name") ?? "", S(endpoint, "interface") ?? "",
                        S(endpoint, "region_id") ?? S(endpoint, "region"), S(endpoint, "url") ?? ""));
                }
            }
        }
        return new KeystoneToken(
            value,
            ParseTime(S(token, "issued_at")) ?? DateTimeOffset.UtcNow,
            ParseTime(S(token, "expires_at")) ?? DateTimeOffset.MaxValue,
            S(user, "id") ?? "",
            S(user, "name") ?? "",
            project.ValueKind == JsonValueKind.Object ? S(project, "id") : null,
            project.ValueKind == JsonValueKind.Object ? S(project, "name") : null,
            token.TryGetProperty("roles", out var roles) ? roles.EnumerateArray().Select(r => S(r, "name") ?? "").ToList() : [],
            token.TryGetProperty("methods", out var methods) ? methods.EnumerateArray().Select(m => m.GetString() ?? "").ToList() : [],
            catalog);
    }

    private static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            ? t
            : null;

    /// <summary>
    /// Authenticates the same user without a project scope, on a separate call that does not touch the session's token:
    /// Preflight uses it to tell "wrong project" (this succeeds) from "wrong password" (this fails too).
    /// Returns the projects the user may use, or null when Keystone refused the password.
    /// </summary>
    public static async Task<IReadOnlyList<string>?> ProjectsOfUserAsync(OpenStackCredentials c, ILog log, CancellationToken ct,
        HttpClient? http = null)
    {
        using var own = http is null ? new HttpClient { Timeout = TimeSpan.FromSeconds(30) } : null;
        var probe = http ?? own!;
        var body = AuthBody(c, scoped: false).ToJsonString();
        using var request = new HttpRequestMessage(HttpMethod.Post, TokensUrl(c)) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") };
        using var response = await probe.SendAsync(request, ct);
        if (!response.IsSuccessStatusCode) return null;
        var token = response.Headers.TryGetValues("X-Subject-Token", out var v) ? v.First() : "";
        Redaction.Register(token);
        using var list = new HttpRequestMessage(HttpMethod.Get, TokensUrl(c).Replace("/auth/tokens", "/auth/projects", StringComparison.Ordinal));
        list.Headers.TryAddWithoutValidation("X-Auth-Token", token);
        using var projects = await probe.SendAsync(list, ct);
        if (!projects.IsSuccessStatusCode)
        {
            log.Verbose($"GET /v3/auth/projects -> {(int)projects.StatusCode}");
            return [];
        }
        using var doc = JsonDocument.Parse(await projects.Content.ReadAsStringAsync(ct));
        return doc.RootElement.GetProperty("projects").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString() ?? "").OrderBy(n => n, StringComparer.Ordinal).ToList();
    }
}
