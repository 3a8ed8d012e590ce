using System.Security.Cryptography;
using System.Text.Json;

namespace Platform.Build.Validation;

/// <summary>
/// Downloads schemas at pinned revisions into a cache folder on first use, then works offline. Kubernetes schemas
/// come from the kubernetes/kubernetes release tag of the configured version (api/openapi-spec/v3), CRD schemas from
/// the datreeio/CRDs-catalog commit below. Every file is checked to be the expected kind of schema document before it
/// is kept, and its SHA-256 is recorded; a cached file whose hash no longer matches is refused.
/// </summary>
public sealed class SchemaCache(string cacheRoot, string kubernetesVersion, HttpClient? http = null) : ISchemaSource
{
    /// <summary>datreeio/CRDs-catalog commit the CRD schemas are pinned to.</summary>
    public const string CrdCatalogCommit = "e646aa3988e0e8f3616a406bd2eca1f0f26786e0";
    public const string KubernetesBase = "https://raw.githubusercontent.com/kubernetes/kubernetes";
    public const string CrdCatalogBase = "https://raw.githubusercontent.com/datreeio/CRDs-catalog";

    private readonly HttpClient _http = http ?? new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
    private readonly SemaphoreSlim _gate = new(1, 1);

    public string Root => Path.Combine(cacheRoot, $"k8s-v{kubernetesVersion}_crds-{CrdCatalogCommit[..12]}");
    public string Description => $"{Root} (cache; Kubernetes v{kubernetesVersion}, CRDs-catalog {CrdCatalogCommit[..12]})";

    /// <summary>The user's cache folder: $XDG_CACHE_HOME or ~/.cache (LocalApplicationData on Windows).</summary>
    public static string DefaultRoot() =>
        Path.Combine(System.Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : OperatingSystem.IsWindows() ? System.Environment.GetFolderPath(System.Environment.SpecialFolder.LocalApplicationData)
            : Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile), ".cache"), "platform-build", "schemas");

    /// <summary>Maps the shared layout onto the upstream file names.</summary>
    public string UpstreamUrl(string relativePath)
    {
        var parts = relativePath.Split('/');
        if (parts[0] == "crds") return $"{CrdCatalogBase}/{CrdCatalogCommit}/{string.Join('/', parts[1..])}";
        // kubernetes/<minor>/api/v1.json -> api__v1_openapi.json; kubernetes/<minor>/apis/<g>/<v>.json -> apis__<g>__<v>_openapi.json
        var rest = parts[2..];
        var name = string.Join("__", rest.Select(p => p.EndsWith(".json", StringComparison.Ordinal) ? p[..^5] : p)) + "_openapi.json";
        return $"{KubernetesBase}/v{kubernetesVersion}/api/openapi-spec/v3/{name}";
    }

    public async Task<string?> ReadAsync(string relativePath, CancellationToken ct)
    {
        var file = Path.Combine(Root, relativePath);
        var sums = Path.Combine(Root, "sha256sums.json");
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            var known = File.Exists(sums) ? JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(sums, ct).ConfigureAwait(false))! : new();
            if (File.Exists(file))
            {
                var text = await File.ReadAllTextAsync(file, ct).ConfigureAwait(false);
                if (known.TryGetValue(relativePath, out var sum) && sum != Sha256(text))
                    throw new InvalidDataException($"Cached schema {file} does not match its recorded SHA-256. Delete {Root} to download it again.");
                return text;
            }
            if (File.Exists(file + ".absent")) return null;

            using var response = await _http.GetAsync(UpstreamUrl(relativePath), ct).ConfigureAwait(false);
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(file)!);
                await File.WriteAllTextAsync(file + ".absent", "", ct).ConfigureAwait(false);
                return null;
            }
            response.EnsureSuccessStatusCode();
            var body = await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false);
            CheckShape(relativePath, body);
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await File.WriteAllTextAsync(file, body, ct).ConfigureAwait(false);
            known[relativePath] = Sha256(body);
            await File.WriteAllTextAsync(sums, JsonSerializer.Serialize(known), ct).ConfigureAwait(false);
            return body;
        }
        catch (HttpRequestException e)
        {
            throw new InvalidOperationException(
                $"Could not download schema {relativePath} ({e.Message}). Offline? Pass --schema-dir=<folder> (layout in README.md) or fill the cache {Root} on a connected machine.", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static void CheckShape(string relativePath, string body)
    {
        using var doc = JsonDocument.Parse(body);
        var ok = relativePath.StartsWith("crds/", StringComparison.Ordinal)
            ? doc.RootElement.TryGetProperty("properties", out _)
            : doc.RootElement.TryGetProperty("components", out var c) && c.TryGetProperty("schemas", out _);
        if (!ok) throw new InvalidDataException($"Downloaded {relativePath} is not the expected schema document; refusing to cache it.");
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)));
}
