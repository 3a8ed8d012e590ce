using System.Collections.Concurrent;
using Newtonsoft.Json.Linq;
using NJsonSchema;

namespace Platform.Build.Validation;

/// <summary>Where schema files come from: a local folder (tests, CI, air-gapped users) or the download cache.</summary>
public interface ISchemaSource
{
    /// <summary>Human-readable origin, printed in the summary.</summary>
    string Description { get; }
    /// <summary>Returns the text of a file relative to the schema root (layout below), or null when it does not exist.</summary>
    Task<string?> ReadAsync(string relativePath, CancellationToken ct);
}

/// <summary>
/// Finds and compiles the JSON schema of an object's kind. Layout (the same for a folder and the cache):
/// kubernetes/&lt;major.minor&gt;/api/v1.json, kubernetes/&lt;major.minor&gt;/apis/&lt;group&gt;/&lt;version&gt;.json (OpenAPI v3),
/// crds/&lt;group&gt;/&lt;kind-lowercase&gt;_&lt;version&gt;.json (JSON schema).
/// Schemas are made strict as kubeconform -strict does: objects with declared properties reject unknown ones, unless
/// the schema preserves unknown fields.
/// </summary>
public sealed class SchemaStore(ISchemaSource source, string kubernetesMinor)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<KubernetesDocument?>>> _documents = new();
    private readonly ConcurrentDictionary<string, Lazy<Task<JsonSchema?>>> _crds = new();

    public ISchemaSource Source => source;

    /// <summary>The schema for apiVersion/kind, or null when neither Kubernetes nor any CRD defines it.</summary>
    public async Task<JsonSchema?> FindAsync(string group, string version, string kind, CancellationToken ct = default)
    {
        var path = group.Length == 0 ? $"kubernetes/{kubernetesMinor}/api/{version}.json" : $"kubernetes/{kubernetesMinor}/apis/{group}/{version}.json";
        var document = await _documents.GetOrAdd(path, p => new Lazy<Task<KubernetesDocument?>>(() => LoadKubernetesAsync(p, ct))).Value.ConfigureAwait(false);
        if (document is not null && await document.FindAsync(group, version, kind, ct).ConfigureAwait(false) is { } schema) return schema;

        var crdPath = $"crds/{group}/{kind.ToLowerInvariant()}_{version}.json";
        return await _crds.GetOrAdd(crdPath, p => new Lazy<Task<JsonSchema?>>(() => LoadCrdAsync(p, ct))).Value.ConfigureAwait(false);
    }

    /// <summary>
    /// Compiles the schemas of the given kinds in the background, so that schema work overlaps rendering. Failures
    /// are ignored here; the validation of the object itself reports them.
    /// </summary>
    public Task PrefetchAsync(IEnumerable<(string Group, string Version, string Kind)> kinds, CancellationToken ct = default)
    {
        var list = kinds.Distinct().ToList();
        lock (_expected) _expected.UnionWith(list);
        return Task.WhenAll(list.Select(k => Task.Run(async () =>
        {
            try { await FindAsync(k.Group, k.Version, k.Kind, ct).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException) { /* reported when an object of the kind is validated */ }
        }, ct)));
    }

    /// <summary>Kinds announced by <see cref="PrefetchAsync"/>; a document compiles their schemas together.</summary>
    private readonly HashSet<(string Group, string Version, string Kind)> _expected = new();

    private IReadOnlyList<(string, string, string)> Expected()
    {
        lock (_expected) return _expected.ToList();
    }

    private async Task<KubernetesDocument?> LoadKubernetesAsync(string path, CancellationToken ct)
    {
        var text = await source.ReadAsync(path, ct).ConfigureAwait(false);
        if (text is null) return null;
        var openApi = JObject.Parse(text);
        if (openApi["components"]?["schemas"] is not JObject components)
            throw new InvalidDataException($"{path} in {source.Description} is not an OpenAPI v3 document (no components.schemas).");

        var byKind = new Dictionary<(string, string, string), string>();
        foreach (var (name, schema) in components)
        {
            if (schema?["x-kubernetes-group-version-kind"] is JArray gvks)
                foreach (var gvk in gvks)
                    byKind[((string?)gvk["group"] ?? "", (string?)gvk["version"] ?? "", (string?)gvk["kind"] ?? "")] = name;
            MakeStrict(schema!);
        }
        // OpenAPI refs point into components; JSON schema tooling resolves #/definitions.
        RewriteRefs(components);
        var shared = Expected().Where(byKind.ContainsKey).Select(k => byKind[k]).ToHashSet(StringComparer.Ordinal);
        return new KubernetesDocument(components, byKind, shared);
    }

    private async Task<JsonSchema?> LoadCrdAsync(string path, CancellationToken ct)
    {
        var text = await source.ReadAsync(path, ct).ConfigureAwait(false);
        if (text is null) return null;
        var schema = JObject.Parse(text);
        MakeStrict(schema);
        return await JsonSchema.FromJsonAsync(schema.ToString(Newtonsoft.Json.Formatting.None), ct).ConfigureAwait(false);
    }

    /// <summary>Sets additionalProperties=false on every object schema that lists properties and does not opt out.</summary>
    internal static void MakeStrict(JToken token)
    {
        if (token is JObject obj)
        {
            if (obj["properties"] is JObject && obj["additionalProperties"] is null &&
                obj["x-kubernetes-preserve-unknown-fields"]?.Value<bool>() != true)
                obj["additionalProperties"] = false;
            foreach (var p in obj.Properties().ToList())
                if (p.Name != "enum" && p.Name != "default" && p.Name != "example") MakeStrict(p.Value);
        }
        else if (token is JArray array)
            foreach (var item in array) MakeStrict(item);
    }

    private static void RewriteRefs(JToken token)
    {
        if (token is JObject obj)
        {
            if (obj["$ref"] is JValue { Type: JTokenType.String } r && ((string)r!).StartsWith("#/components/schemas/", StringComparison.Ordinal))
                obj["$ref"] = "#/definitions/" + ((string)r!)["#/components/schemas/".Length..];
            foreach (var p in obj.Properties()) RewriteRefs(p.Value);
        }
        else if (token is JArray array)
            foreach (var item in array) RewriteRefs(item);
    }

    /// <summary>
    /// One OpenAPI document. Schemas are compiled from only the definitions they reach, which is much cheaper than
    /// compiling the whole document (core/v1 has hundreds of definitions). The kinds expected in this run are compiled
    /// together once, so that Deployment and StatefulSet share one compiled PodSpec.
    /// </summary>
    private sealed class KubernetesDocument(JObject definitions, Dictionary<(string, string, string), string> byKind, HashSet<string> sharedNames)
    {
        private readonly ConcurrentDictionary<string, Lazy<Task<JsonSchema>>> _compiled = new();
        private readonly Lazy<Task<JsonSchema>> _shared = new(() => CompileAsync(definitions, sharedNames));

        public async Task<JsonSchema?> FindAsync(string group, string version, string kind, CancellationToken ct)
        {
            if (!byKind.TryGetValue((group, version, kind), out var name)) return null;
            var root = sharedNames.Contains(name)
                ? await _shared.Value.ConfigureAwait(false)
                : await _compiled.GetOrAdd(name, n => new Lazy<Task<JsonSchema>>(() => CompileAsync(definitions, [n]))).Value.ConfigureAwait(false);
            return root.Definitions[name];
        }

        private static Task<JsonSchema> CompileAsync(JObject definitions, IEnumerable<string> names)
        {
            var reachable = new JObject();
            var pending = new Stack<string>(names);
            while (pending.Count > 0)
            {
                var next = pending.Pop();
                if (reachable.ContainsKey(next) || definitions[next] is not JObject definition) continue;
                reachable[next] = definition;
                foreach (var reference in definition.Descendants().OfType<JProperty>().Where(p => p.Name == "$ref"))
                    if (((string?)reference.Value)?.StartsWith("#/definitions/", StringComparison.Ordinal) == true)
                        pending.Push(((string)reference.Value!)["#/definitions/".Length..]);
            }
            return JsonSchema.FromJsonAsync(new JObject { ["definitions"] = reachable }.ToString(Newtonsoft.Json.Formatting.None));
        }
    }
}

/// <summary>Reads schemas from a folder (kubeconform's -schema-location for a local copy).</summary>
public sealed class FolderSchemaSource(string root) : ISchemaSource
{
    public string Description => root;

    public async Task<string?> ReadAsync(string relativePath, CancellationToken ct)
    {
        var path = Path.Combine(root, relativePath);
        return File.Exists(path) ? await File.ReadAllTextAsync(path, ct).ConfigureAwait(false) : null;
    }
}
