using Platform.Build.Tools;

namespace Platform.Build.Validation;

/// <summary>Turns a manifest folder into objects: `kubectl kustomize` where there is a kustomization, else its YAML files.</summary>
public static class ManifestRenderer
{
    public static readonly string[] KustomizationFiles = ["kustomization.yaml", "kustomization.yml", "Kustomization"];

    public static bool IsKustomization(string dir) => KustomizationFiles.Any(f => File.Exists(Path.Combine(dir, f)));

    /// <summary>Renders a kustomization folder with kubectl kustomize and parses the result.</summary>
    public static async Task<IReadOnlyList<ManifestObject>> RenderAsync(ToolRunner runner, string dir, CancellationToken ct = default)
    {
        var yaml = await RenderYamlAsync(runner, dir, ct).ConfigureAwait(false);
        return YamlManifests.Parse(yaml, Path.GetRelativePath(Directory.GetCurrentDirectory(), dir) + " (rendered)");
    }

    public static async Task<string> RenderYamlAsync(ToolRunner runner, string dir, CancellationToken ct = default) =>
        (await runner.RunAsync(Kubectl.Kustomize(dir), ct).ConfigureAwait(false)).StandardOutput;

    /// <summary>Synchronous render for tests and small tools.</summary>
    public static IReadOnlyList<ManifestObject> Render(string dir) =>
        RenderAsync(new ToolRunner(new Logging.RecordingLog(), ToolLocator.FromProcess()), dir).GetAwaiter().GetResult();
}
