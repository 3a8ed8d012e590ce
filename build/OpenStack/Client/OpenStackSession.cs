using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Platform.Build.Logging;
using Polly;
using Polly.Retry;

namespace Platform.Build.OpenStack.Client;

public sealed class OpenStackSessionOptions
{
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Retries of a transient failure (connection refused or reset, timeout, 502/503/504); 0 turns retrying off.</summary>
    public int MaxRetries { get; init; } = 3;
    public TimeSpan RetryBaseDelay { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>Page size asked of list calls; the client follows the next links until the last page.</summary>
    public int PageSize { get; init; } = 200;
    /// <summary>A token is renewed this long before it expires (at most a quarter of its lifetime).</summary>
    public TimeSpan RenewBefore { get; init; } = TimeSpan.FromMinutes(2);
    public TimeProvider Time { get; init; } = TimeProvider.System;
    /// <summary>Nova microversion sent with every compute call (Preflight checks the cloud supports it).</summary>
    public string ComputeMicroversion { get; init; } = ServiceTypes.ComputeMicroversion;
    public string VolumeMicroversion { get; init; } = ServiceTypes.VolumeMicroversion;
}

/// <summary>The service types the suite uses, and the catalog names they go by.</summary>
public static class ServiceTypes
{
    public const string Compute = "compute";
    public const string Network = "network";
    public const string Image = "image";
    public const string BlockStorage = "block-storage";
    public const string Identity = "identity";
    /// <summary>2.79 (Train): every cloud still supported has it; server tags, keypair types and detail lists need less.</summary>
    public const string ComputeMicroversion = "2.79";
    public const string VolumeMicroversion = "3.59";

    public static readonly IReadOnlyList<string> Required = [Compute, Network, Image, BlockStorage];

    /// <summary>Catalog types accepted for a service: Cinder is still registered as volumev3 in most clouds.</summary>
    public static IReadOnlyList<string> Aliases(string type) => type switch
    {
        BlockStorage => [BlockStorage, "volumev3", "block-store"],
        _ => [type],
    };
}

/// <summary>
/// One authenticated conversation with an OpenStack cloud: a Keystone v3 token and its catalog, renewed before it
/// expires and once more when a service answers 401 (revoked or expired mid-run). Transient failures are retried with
/// Polly. Tokens and passwords never reach a log: each token is registered with <see cref="Redaction"/>.
/// </summary>
public sealed class OpenStackSession : IDisposable
{
    private static readonly HttpStatusCode[] TransientStatus =
        [HttpStatusCode.BadGateway, HttpStatusCode.ServiceUnavailable, HttpStatusCode.GatewayTimeout];

    private readonly HttpClient _http;
    private readonly bool _ownsHttp;
    private readonly ILog _log;
    private readonly SemaphoreSlim _authLock = new(1, 1);
    private readonly ResiliencePipeline<HttpResponseMessage> _idempotent;
    private readonly ResiliencePipeline<HttpResponseMessage> _create;
    private KeystoneToken? _token;
    private int _tokensIssued;

    private OpenStackSession(OpenStackCredentials credentials, ILog log, OpenStackSessionOptions options, HttpClient? http)
    {
        if (options.MaxRetries < 0)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxRetries,
                "OpenStackSessionOptions.MaxRetries must be 0 (no retries) or more.");
        Credentials = credentials;
        Options = options;
        _log = log;
        _ownsHttp = http is null;
        // OpenStack's eventlet servers drop idle keep-alive connections; reusing one for a POST fails with "response
        // ended prematurely", and a create is never retried. Keep pooled connections only briefly.
        _http = http ?? new HttpClient(new SocketsHttpHandler { PooledConnectionIdleTimeout = TimeSpan.FromSeconds(2) }) { Timeout = options.RequestTimeout };
        _idempotent = Pipeline(options, log, createCall: false);
        _create = Pipeline(options, log, createCall: true);
    }

    public OpenStackCredentials Credentials { get; }
    public OpenStackSessionOptions Options { get; }
    public KeystoneToken Token => _token ?? throw new InvalidOperationException("The session has no token yet.");
    /// <summary>How many tokens this session has obtained (1 + renewals); tests assert renewal with it.</summary>
    public int TokensIssued => _tokensIssued;

    /// <summary>Authenticates (a wrong password or project throws <see cref="OpenStackApiException"/> with status 401).</summary>
    public static async Task<OpenStackSession> ConnectAsync(OpenStackCredentials credentials, ILog log,
        OpenStackSessionOptions? options = null, CancellationToken ct = default, HttpClient? http = null)
    {
        var session = new OpenStackSession(credentials, log, options ?? new OpenStackSessionOptions(), http);
        try
        {
            await session.RenewTokenAsync(ct);
            return session;
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>Gets a new token now (also used when the current one was rejected).</summary>
    public async Task RenewTokenAsync(CancellationToken ct = default)
    {
        await _authLock.WaitAsync(ct);
        try
        {
            var token = await Keystone.IssueTokenAsync(this, Credentials, scoped: true, ct);
            _token = token;
            Interlocked.Increment(ref _tokensIssued);
            _log.Verbose($"Keystone token for {token.UserName} on project {token.ProjectName}, valid until {token.ExpiresAt:u}.");
        }
        finally
        {
            _authLock.Release();
        }
    }

    private async Task EnsureFreshTokenAsync(CancellationToken ct)
    {
        var token = Token;
        var margin = TimeSpan.FromTicks(Math.Min(Options.RenewBefore.Ticks, (token.ExpiresAt - token.IssuedAt).Ticks / 4));
        if (Options.Time.GetUtcNow() < token.ExpiresAt - margin) return;
        _log.Info($"The OpenStack token expires at {token.ExpiresAt:u}; renewing it.");
        await RenewTokenAsync(ct);
    }

    /// <summary>The endpoint URL of a service type for the credentials' interface and region, without a trailing '/'.</summary>
    public string EndpointFor(string serviceType) =>
        Token.FindEndpoint(serviceType, Credentials.Interface, Credentials.RegionName)?.Url.TrimEnd('/')
        ?? throw new OpenStackApiException(serviceType, "GET", "(catalog)", null,
            $"the catalog has no {Credentials.Interface} endpoint of type {string.Join("/", ServiceTypes.Aliases(serviceType))}" +
            (Credentials.RegionName is null ? "" : $" in region {Credentials.RegionName}") + ".");

    /// <summary>The endpoint the API paths are relative to: Neutron's and Glance's paths carry their version themselves.</summary>
    private string ServiceBase(string serviceType)
    {
        var endpoint = EndpointFor(serviceType);
        if (serviceType == ServiceTypes.Network && endpoint.EndsWith("/v2.0", StringComparison.Ordinal)) return endpoint[..^5];
        if (serviceType == ServiceTypes.Image && endpoint.EndsWith("/v2", StringComparison.Ordinal)) return endpoint[..^3];
        return endpoint;
    }

    /// <summary>
    /// Calls a service: <paramref name="path"/> is relative to its catalog endpoint (e.g. "v2.0/networks" for network,
    /// "servers/detail" for compute). Returns the parsed body (null for an empty one); throws <see cref="OpenStackApiException"/>
    /// for an error status.
    /// </summary>
    public async Task<JsonElement?> SendAsync(string serviceType, HttpMethod method, string path, object? body = null,
        CancellationToken ct = default)
    {
        var url = path.StartsWith("http://", StringComparison.Ordinal) || path.StartsWith("https://", StringComparison.Ordinal)
            ? path
            : ServiceBase(serviceType) + "/" + path.TrimStart('/');
        var (status, text) = await SendRawAsync(serviceType, method, url, body, authenticated: true, ct);
        if ((int)status >= 400) throw OpenStackApiException.From(serviceType, method.Method, path, status, text);
        return string.IsNullOrWhiteSpace(text) ? null : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> GetAsync(string serviceType, string path, CancellationToken ct = default) =>
        await SendAsync(serviceType, HttpMethod.Get, path, null, ct)
        ?? throw new OpenStackApiException(serviceType, "GET", path, HttpStatusCode.OK, "the response was empty.");

    /// <summary>
    /// Lists a whole collection: asks for pages of <see cref="OpenStackSessionOptions.PageSize"/> and follows the
    /// "next" links (Neutron, Nova, Cinder: &lt;collection&gt;_links; Glance: next) until the last page.
    /// </summary>
    public async Task<IReadOnlyList<JsonElement>> ListAsync(string serviceType, string path, string collection,
        CancellationToken ct = default)
    {
        var items = new List<JsonElement>();
        var basePath = path.Split('?')[0];
        var query = path.Contains('?') ? path[(path.IndexOf('?') + 1)..] : "";
        query = (query.Length == 0 ? "" : query + "&") + $"limit={Options.PageSize}";
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var page = 0; ; page++)
        {
            var body = await GetAsync(serviceType, basePath + "?" + query, ct);
            if (!body.TryGetProperty(collection, out var list) || list.ValueKind != JsonValueKind.Array)
                throw new OpenStackApiException(serviceType, "GET", basePath, HttpStatusCode.OK, $"the response has no '{collection}' list.");
            items.AddRange(list.EnumerateArray());
            var next = NextLink(body, collection);
            if (next is null || list.GetArrayLength() == 0) break;
            var nextQuery = next.Contains('?') ? next[(next.IndexOf('?') + 1)..] : "";
            // A next link that repeats itself would loop forever; stop with what we have and say so.
            if (nextQuery.Length == 0 || !seen.Add(nextQuery))
            {
                _log.Warn($"{serviceType} {basePath}: the next-page link repeats; stopped after page {page + 1}.");
                break;
            }
            query = nextQuery;
        }
        return items;
    }

    private static string? NextLink(JsonElement body, string collection)
    {
        if (body.TryGetProperty(collection + "_links", out var links) && links.ValueKind == JsonValueKind.Array)
        {
            foreach (var link in links.EnumerateArray())
            {
                if (link.TryGetProperty("rel", out var rel) && rel.GetString() == "next" && link.TryGetProperty("href", out var href))
                    return href.GetString();
            }
        }
        return body.TryGetProperty("next", out var glanceNext) && glanceNext.ValueKind == JsonValueKind.String ? glanceNext.GetString() : null;
    }

    /// <summary>An unauthenticated GET (version documents); returns status and body text.</summary>
    public Task<(HttpStatusCode Status, string Body)> GetAnonymousAsync(string serviceType, string url, CancellationToken ct = default) =>
        SendRawAsync(serviceType, HttpMethod.Get, url, null, authenticated: false, ct);

    internal async Task<(HttpStatusCode Status, string Body, HttpResponseHeaders Headers)> SendKeystoneAuthAsync(string url,
        string jsonBody, CancellationToken ct)
    {
        using var response = await _create.ExecuteAsync(async token =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url)
            {
                Content = new StringContent(jsonBody, Encoding.UTF8, "application/json"),
            };
            return await _http.SendAsync(request, token);
        }, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        _log.Verbose($"POST identity {new Uri(url).AbsolutePath} -> {(int)response.StatusCode}");
        return (response.StatusCode, text, response.Headers);
    }

    private async Task<(HttpStatusCode Status, string Body)> SendRawAsync(string serviceType, HttpMethod method, string url,
        object? body, bool authenticated, CancellationToken ct)
    {
        var json = body switch
        {
            null => null,
            string s => s,
            _ => JsonSerializer.Serialize(body, body.GetType()),
        };
        for (var attempt = 1; ; attempt++)
        {
            if (authenticated) await EnsureFreshTokenAsync(ct);
            var token = authenticated ? Token.Value : null;
            var watch = Stopwatch.StartNew();
            var pipeline = method == HttpMethod.Post ? _create : _idempotent;
            using var response = await pipeline.ExecuteAsync(async t =>
            {
                using var request = new HttpRequestMessage(method, url);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                if (token is not null) request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
                AddMicroversion(request, serviceType);
                if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
                return await _http.SendAsync(request, t);
            }, ct);
            var text = await response.Content.ReadAsStringAsync(ct);
            _log.Verbose($"{method.Method} {serviceType} {new Uri(url).AbsolutePath} -> {(int)response.StatusCode} ({watch.ElapsedMilliseconds} ms)");
            // 401 with a token we thought valid: revoked or expired early. Renew once and repeat the call.
            if (response.StatusCode == HttpStatusCode.Unauthorized && authenticated && attempt == 1)
            {
                _log.Info($"{serviceType} rejected the token (401); renewing it and repeating {method.Method} {new Uri(url).AbsolutePath}.");
                await RenewTokenAsync(ct);
                continue;
            }
            return (response.StatusCode, text);
        }
    }

    private void AddMicroversion(HttpRequestMessage request, string serviceType)
    {
        if (serviceType == ServiceTypes.Compute)
        {
            request.Headers.TryAddWithoutValidation("OpenStack-API-Version", "compute " + Options.ComputeMicroversion);
            request.Headers.TryAddWithoutValidation("X-OpenStack-Nova-API-Version", Options.ComputeMicroversion);
        }
        else if (serviceType == ServiceTypes.BlockStorage)
        {
            request.Headers.TryAddWithoutValidation("OpenStack-API-Version", "volume " + Options.VolumeMicroversion);
        }
    }

    private static ResiliencePipeline<HttpResponseMessage> Pipeline(OpenStackSessionOptions options, ILog log, bool createCall) =>
        // Polly's retry strategy needs at least one attempt: MaxRetries = 0 means no retry strategy at all.
        options.MaxRetries == 0 ? ResiliencePipeline<HttpResponseMessage>.Empty : new ResiliencePipelineBuilder<HttpResponseMessage>()
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                MaxRetryAttempts = options.MaxRetries,
                Delay = options.RetryBaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldHandle = args => ValueTask.FromResult(IsTransient(args.Outcome, args.Context.CancellationToken, createCall)),
                OnRetry = args =>
                {
                    var what = args.Outcome.Exception?.Message ?? $"HTTP {(int)args.Outcome.Result!.StatusCode}";
                    log.Warn($"OpenStack call failed transiently ({what}); retry {args.AttemptNumber + 1} of {options.MaxRetries} in {args.RetryDelay.TotalSeconds:0.0}s.");
                    args.Outcome.Result?.Dispose();
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

    /// <summary>
    /// Transient: connection failures, timeouts and 502/503/504. A create (POST) is repeated only when the request
    /// cannot have reached the service (connection refused) or the service said it did not take it (503), so a retry
    /// never creates a resource twice.
    /// </summary>
    internal static bool IsTransient(Outcome<HttpResponseMessage> outcome, CancellationToken ct, bool createCall)
    {
        if (outcome.Exception is HttpRequestException http)
            return !createCall || http.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused };
        if (outcome.Exception is TaskCanceledException or TimeoutException)
            return !createCall && !ct.IsCancellationRequested;
        if (outcome.Result is { } response)
            return createCall ? response.StatusCode == HttpStatusCode.ServiceUnavailable : TransientStatus.Contains(response.StatusCode);
        return false;
    }

    public void Dispose()
    {
        if (_ownsHttp) _http.Dispose();
        _authLock.Dispose();
    }
}

/// <summary>An OpenStack API answered with an error (or could not be reached). The message is already redacted.</summary>
public sealed class OpenStackApiException(string service, string method, string path, HttpStatusCode? status, string detail)
    : Exception(Redaction.Apply($"{method} {service} {path.Split('?')[0]} failed" + (status is null ? "" : $" ({(int)status.Value} {status.Value})") + $": {detail}"))
{
    public string Service { get; } = service;
    public HttpStatusCode? Status { get; } = status;
    public string Detail { get; } = Redaction.Apply(detail);

    /// <summary>Takes the message out of the services' error bodies: NeutronError, Keystone's error, Nova/Cinder's itemNotFound etc.</summary>
    public static OpenStackApiException From(string service, string method, string path, HttpStatusCode status, string body)
    {
        var message = body.Length > 300 ? body[..300] : body;
        try
        {
            using var doc = JsonDocument.Parse(body);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("message", out var m))
                {
                    message = m.GetString() ?? message;
                    break;
                }
                if (property.Name == "message" && property.Value.ValueKind == JsonValueKind.String)
                {
                    message = property.Value.GetString()!;
                    break;
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON (Glance answers some errors in HTML): keep the start of the text.
        }
        return new OpenStackApiException(service, method, path, status, message.Trim());
    }
}
