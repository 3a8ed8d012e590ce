using Platform.Build.GitOps;
using Newtonsoft.Json.Linq;
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

    public static PlatformSettings LoadSettings(string? root = null, Dictionary<string, string>? arguments = null,
        Dictionary<string, string>? environment = null) =>
        SettingsLoader.Load(root ?? Repo.Root, "Configure", arguments ?? new Dictionary<string, string>(), environment ?? new Dictionary<string, string>());

    public static IReadOnlyList<ManifestObject> Root => RootRender.Value;
    public static IReadOnlyList<ManifestObject> Apps => AppsRender.Value;
    public static IReadOnlyList<ManifestObject> KyvernoPolicies => KyvernoRender.Value;

    /// <summary>The root kustomization and the apps it manages, the projects once (as Argo CD sees them in the cluster).</summary>
    public static IReadOnlyList<ManifestObject> Argo => GitOpsCrossChecks.ArgoTree(Apps, Root);

    public static IReadOnlyList<string> EnvNames => LoadSettings().GetList(SettingsCatalog.EnvironmentsKey);

    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>>> EnvironmentRendersCache =
        new(() => EnvNames.ToDictionary(e => e, e => ManifestRenderer.Render(Repo.PathOf("k8s", "overlays", e))));

    /// <summary>The complete render of every environment overlay (k8s/overlays/&lt;env&gt;), by environment.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>> EnvironmentRenders => EnvironmentRendersCache.Value;

    private static readonly Lazy<IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>>> PlatformAppRenders = new(() =>
        GitOpsCrossChecks.PlatformAppPaths(Argo).ToDictionary(p => p.Key, p => ManifestRenderer.Render(Repo.PathOf(p.Value))));

    /// <summary>What each platform Application of this repository deploys (its path rendered), by Application name.</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>> PlatformApps => PlatformAppRenders.Value;

    /// <summary>A Helm values file of this repository, by its path relative to the root (null when missing).</summary>
    public static JObject? ReadValues(string relativePath) => GitOpsCrossChecks.ReadValues(Repo.Root, relativePath);

    /// <summary>Deep copies, so a mutation test never changes the cached render.</summary>
    public static List<ManifestObject> Copy(IEnumerable<ManifestObject> objects) =>
        [.. objects.Select(o => o with { Body = (JObject)o.Body.DeepClone() })];

    public static ManifestObject Find(IEnumerable<ManifestObject> objects, string kind, string name) =>
        objects.Single(o => o.Kind == kind && o.Name == name);

    /// <summary>Schema findings of a custom resource or a built-in object (the product's strict validator).</summary>
    public static IReadOnlyList<string> SchemaErrors(ManifestObject obj) => Support.Schemas.Errors(obj);

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
