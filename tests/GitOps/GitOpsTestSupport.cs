using Newtonsoft.Json.Linq;
using NJsonSchema;
using Platform.Build.Settings;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;

namespace Platform.Build.Tests.GitOps;

/// <summary>Shared, cached inputs of the GitOps tests: settings, renders of argocd/ and kyverno/, and the CRD schemas.</summary>
internal static class GitOpsTestSupport
{
    private static readonly Lazy<IReadOnlyList<ManifestObject>> RootRender = new(() => ManifestRenderer.Render(Repo.PathOf("argocd", "root")));
    private static readonly Lazy<IReadOnlyList<ManifestObject>> AppsRender = new(() => ManifestRenderer.Render(Repo.PathOf("argocd", "apps")));
    private static readonly Lazy<IReadOnlyList<ManifestObject>> KyvernoRender = new(() => ManifestRenderer.Render(Repo.PathOf("kyverno")));
    private static readonly Dictionary<string, JsonSchema?> Schemas = new();

    public static PlatformSettings LoadSettings(string? root = null, Dictionary<string, string>? arguments = null,
        Dictionary<string, string>? environment = null) =>
        SettingsLoader.Load(root ?? Repo.Root, "Configure", arguments ?? new Dictionary<string, string>(), environment ?? new Dictionary<string, string>());

    public static IReadOnlyList<ManifestObject> Root => RootRender.Value;
    public static IReadOnlyList<ManifestObject> Apps => AppsRender.Value;
    public static IReadOnlyList<ManifestObject> KyvernoPolicies => KyvernoRender.Value;

    /// <summary>The root kustomization and the apps it manages, the projects once (as Argo CD sees them in the cluster).</summary>
    public static IReadOnlyList<ManifestObject> Argo =>
        [.. Apps, .. Root.Where(r => !Apps.Any(a => a.Kind == r.Kind && a.Name == r.Name))];

    public static IReadOnlyList<string> EnvNames => LoadSettings().GetList(SettingsCatalog.EnvironmentsKey);

    /// <summary>Deep copies, so a mutation test never changes the cached render.</summary>
    public static List<ManifestObject> Copy(IEnumerable<ManifestObject> objects) =>
        [.. objects.Select(o => o with { Body = (JObject)o.Body.DeepClone() })];

    public static ManifestObject Find(IEnumerable<ManifestObject> objects, string kind, string name) =>
        objects.Single(o => o.Kind == kind && o.Name == name);

    /// <summary>The CRD schema of an object (crds/&lt;group&gt;/&lt;kind&gt;_&lt;version&gt;.json), or null when the folder has none.</summary>
    public static JsonSchema? CrdSchema(string group, string kind, string version)
    {
        var path = Path.Combine(Repo.SchemaDir, "crds", group, $"{kind.ToLowerInvariant()}_{version}.json");
        lock (Schemas)
        {
            if (!Schemas.TryGetValue(path, out var schema))
                Schemas[path] = schema = File.Exists(path) ? JsonSchema.FromFileAsync(path).GetAwaiter().GetResult() : null;
            return schema;
        }
    }

    /// <summary>
    /// The Kubernetes 1.35 OpenAPI v3 schema of a built-in kind, made strict like `kubeconform -strict` (no unknown
    /// fields): every object schema with properties and no additionalProperties gets additionalProperties false.
    /// </summary>
    public static JsonSchema? KubernetesSchema(string group, string version, string kind)
    {
        var path = Path.Combine(Repo.SchemaDir, "kubernetes", "1.35", group.Length == 0 ? "api" : Path.Combine("apis", group), version + ".json");
        var key = path + "#" + kind;
        lock (Schemas)
        {
            if (Schemas.TryGetValue(key, out var cached)) return cached;
            JsonSchema? schema = null;
            if (File.Exists(path))
            {
                var document = JObject.Parse(File.ReadAllText(path));
                var schemas = (JObject)document["components"]!["schemas"]!;
                var name = schemas.Properties().FirstOrDefault(p => p.Value["x-kubernetes-group-version-kind"] is JArray gvks && gvks.Any(g =>
                    (string?)g["group"] == group && (string?)g["version"] == version && (string?)g["kind"] == kind))?.Name;
                if (name is not null)
                {
                    foreach (var s in schemas.Descendants().OfType<JObject>().Where(o => o["properties"] is JObject && o["additionalProperties"] is null).ToList())
                        s["additionalProperties"] = false;
                    // NJsonSchema resolves references into "definitions", not OpenAPI's "components/schemas".
                    var standalone = new JObject { ["allOf"] = new JArray(new JObject { ["$ref"] = "#/definitions/" + name }), ["definitions"] = schemas };
                    schema = JsonSchema.FromJsonAsync(standalone.ToString().Replace("\"#/components/schemas/", "\"#/definitions/"))
                        .GetAwaiter().GetResult();
                }
            }
            Schemas[key] = schema;
            return schema;
        }
    }

    public static IReadOnlyList<string> KubernetesSchemaErrors(ManifestObject obj)
    {
        var schema = KubernetesSchema(obj.Group, obj.Version, obj.Kind)
            ?? throw new InvalidOperationException($"No Kubernetes 1.35 schema for {obj.ApiVersion} {obj.Kind} under {Repo.SchemaDir}/kubernetes.");
        return [.. schema.Validate(obj.Body).Select(e => $"{obj.Id}: {e.Path}: {e.Kind}")];
    }

    public static IReadOnlyList<string> SchemaErrors(ManifestObject obj)
    {
        var schema = CrdSchema(obj.Group, obj.Kind, obj.Version)
            ?? throw new InvalidOperationException($"No CRD schema for {obj.ApiVersion} {obj.Kind} under {Repo.SchemaDir}/crds.");
        return [.. schema.Validate(obj.Body).Select(e => $"{obj.Id}: {e.Path}: {e.Kind}")];
    }

    public static void RequireSchemas()
    {
        if (!Directory.Exists(Path.Combine(Repo.SchemaDir, "crds")))
            Assert.Fail($"The CRD schemas are missing at {Repo.SchemaDir}/crds. Fix: set PLATFORM_SCHEMADIR to the shared schema folder.");
    }

    /// <summary>Copies folders of the repository into a fresh temporary root (for tests that change files).</summary>
    public static string TempCopy(params string[] folders)
    {
        var root = Path.Combine(Path.GetTempPath(), "gitops-test-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var folder in folders) CopyDirectory(Repo.PathOf(folder), Path.Combine(root, folder));
        File.Copy(Repo.PathOf("settings.yaml"), Path.Combine(root, "settings.yaml"));
        return root;
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (var dir in Directory.GetDirectories(from)) CopyDirectory(dir, Path.Combine(to, Path.GetFileName(dir)));
    }
}
