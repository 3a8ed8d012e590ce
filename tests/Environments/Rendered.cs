using System.Collections.Concurrent;
using Newtonsoft.Json.Linq;
using Platform.Build.Environments;
using Platform.Build.Settings;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;

namespace Platform.Build.Tests.Environments;

/// <summary>Real renders of the overlays (kubectl kustomize), made once per test run, and fresh copies to mutate.</summary>
internal static class Rendered
{
    public static readonly string[] Environments = ["dev", "test", "acc"];

    private static readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<ManifestObject>>> Cache = new();

    /// <summary>The complete environment (guardrails + app): k8s/overlays/&lt;env&gt;.</summary>
    public static IReadOnlyList<ManifestObject> Environment(string env) => Folder(Path.Combine("k8s", "overlays", env));

    public static IReadOnlyList<ManifestObject> Folder(string relative) =>
        Cache.GetOrAdd(relative, r => new(() => ManifestRenderer.Render(Repo.PathOf(r)))).Value;

    /// <summary>A deep copy to mutate without touching the cached render.</summary>
    public static List<ManifestObject> Copy(string env) =>
        [.. Environment(env).Select(o => o with { Body = (JObject)o.Body.DeepClone() })];

    public static ManifestObject Find(IEnumerable<ManifestObject> objects, string kind, string name) =>
        objects.Single(o => o.Kind == kind && o.Name == name);

    public static PlatformSettings DefaultSettings(IReadOnlyDictionary<string, string>? arguments = null, string? root = null) =>
        SettingsLoader.Load(root ?? Repo.Root, "Validate", arguments ?? new Dictionary<string, string>(), new Dictionary<string, string>());

    public static HardeningOptions Options(string env) => HardeningOptions.From(DefaultSettings(), env);
}
