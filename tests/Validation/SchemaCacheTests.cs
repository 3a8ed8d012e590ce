using System.Net;
using Platform.Build.Validation;

namespace Platform.Build.Tests.Validation;

/// <summary>The download cache maps the schema layout onto the pinned upstream files and works offline afterwards.</summary>
public class SchemaCacheTests
{
    [Test]
    public void Layout_paths_map_to_the_pinned_upstream_files()
    {
        var cache = new SchemaCache("/tmp/c", "1.35.0");
        Assert.That(cache.UpstreamUrl("kubernetes/1.35/apis/apps/v1.json"),
            Is.EqualTo("https://raw.githubusercontent.com/kubernetes/kubernetes/v1.35.0/api/openapi-spec/v3/apis__apps__v1_openapi.json"));
        Assert.That(cache.UpstreamUrl("kubernetes/1.35/api/v1.json"),
            Is.EqualTo("https://raw.githubusercontent.com/kubernetes/kubernetes/v1.35.0/api/openapi-spec/v3/api__v1_openapi.json"));
        Assert.That(cache.UpstreamUrl("crds/argoproj.io/application_v1alpha1.json"),
            Is.EqualTo($"https://raw.githubusercontent.com/datreeio/CRDs-catalog/{SchemaCache.CrdCatalogCommit}/argoproj.io/application_v1alpha1.json"));
    }

    private sealed class CountingHandler(Func<HttpRequestMessage, HttpResponseMessage> answer) : HttpMessageHandler
    {
        public int Calls;
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            return Task.FromResult(answer(request));
        }
    }

    [Test]
    public async Task A_file_is_downloaded_once_checked_and_then_served_offline()
    {
        var root = Directory.CreateTempSubdirectory("schema-cache-").FullName;
        var handler = new CountingHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"properties":{"spec":{}}}""") });
        var cache = new SchemaCache(root, "1.35.0", new HttpClient(handler));
        Assert.That(await cache.ReadAsync("crds/example.org/widget_v1.json", default), Does.Contain("properties"));
        Assert.That(await cache.ReadAsync("crds/example.org/widget_v1.json", default), Does.Contain("properties"));
        Assert.That(handler.Calls, Is.EqualTo(1));

        File.AppendAllText(Path.Combine(cache.Root, "crds/example.org/widget_v1.json"), " ");
        Assert.ThrowsAsync<InvalidDataException>(() => cache.ReadAsync("crds/example.org/widget_v1.json", default), "a tampered cached file is refused");
    }

    [Test]
    public void A_download_that_is_not_a_schema_is_refused()
    {
        var handler = new CountingHandler(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("""{"message":"rate limited"}""") });
        var cache = new SchemaCache(Directory.CreateTempSubdirectory("schema-cache-").FullName, "1.35.0", new HttpClient(handler));
        Assert.ThrowsAsync<InvalidDataException>(() => cache.ReadAsync("kubernetes/1.35/api/v1.json", default));
    }

    [Test]
    public void Offline_without_a_cache_says_how_to_fix_it()
    {
        var handler = new CountingHandler(_ => throw new HttpRequestException("Name or service not known"));
        var cache = new SchemaCache(Directory.CreateTempSubdirectory("schema-cache-").FullName, "1.35.0", new HttpClient(handler));
        var e = Assert.ThrowsAsync<InvalidOperationException>(() => cache.ReadAsync("kubernetes/1.35/api/v1.json", default));
        Assert.That(e!.Message, Does.Contain("--schema-dir"));
    }
}
