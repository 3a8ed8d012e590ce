using YamlDotNet.RepresentationModel;

namespace Platform.Build.Validation;

/// <summary>A unit Validate renders and reports on: a kustomization root, or the loose YAML files of one folder.</summary>
public sealed record ManifestUnit(string Label, string Path, bool IsKustomization, IReadOnlyList<string> Files);

/// <summary>
/// Finds what to validate under the manifest folders. A kustomization that no other kustomization includes is a root
/// and is rendered whole (bases and components are validated through their roots). YAML files that no kustomization
/// references are read as plain manifests, one unit per folder.
/// </summary>
public static class ManifestDiscovery
{
    public static readonly string[] ManifestFolders = ["k8s", "argocd", "kyverno"];

    public static IReadOnlyList<ManifestUnit> Discover(string repositoryRoot)
    {
        var units = new List<ManifestUnit>();
        foreach (var folder in ManifestFolders.Select(f => System.IO.Path.Combine(repositoryRoot, f)).Where(Directory.Exists))
        {
            var yamlFiles = Directory.EnumerateFiles(folder, "*.*", SearchOption.AllDirectories)
                .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
                .Select(System.IO.Path.GetFullPath).Order(StringComparer.Ordinal).ToList();
            var kustomizations = yamlFiles.Where(f => ManifestRenderer.KustomizationFiles.Contains(System.IO.Path.GetFileName(f))).ToList();

            var referencedDirs = new HashSet<string>(StringComparer.Ordinal);
            var referencedFiles = new HashSet<string>(StringComparer.Ordinal);
            var components = new HashSet<string>(StringComparer.Ordinal);
            foreach (var k in kustomizations)
            {
                var dir = System.IO.Path.GetDirectoryName(k)!;
                var (isComponent, references) = ReadReferences(k);
                if (isComponent) components.Add(dir);
                foreach (var r in references)
                {
                    var target = System.IO.Path.GetFullPath(r, dir);
                    if (Directory.Exists(target)) referencedDirs.Add(target);
                    else referencedFiles.Add(target);
                }
            }

            foreach (var k in kustomizations)
            {
                var dir = System.IO.Path.GetDirectoryName(k)!;
                if (referencedDirs.Contains(dir) || components.Contains(dir)) continue;
                units.Add(new ManifestUnit(Relative(repositoryRoot, dir), dir, true, []));
            }

            var kustomizationDirs = kustomizations.Select(System.IO.Path.GetDirectoryName).ToHashSet(StringComparer.Ordinal);
            var loose = yamlFiles
                .Where(f => !kustomizations.Contains(f) && !referencedFiles.Contains(f))
                // A file beside a kustomization that does not list it is still loose: it is neither rendered nor deployed.
                .GroupBy(f => System.IO.Path.GetDirectoryName(f)!, StringComparer.Ordinal);
            foreach (var group in loose)
                units.Add(new ManifestUnit(Relative(repositoryRoot, group.Key) + (kustomizationDirs.Contains(group.Key) ? " (files outside the kustomization)" : ""),
                    group.Key, false, group.ToList()));
        }
        return units;
    }

    /// <summary>
    /// The kinds the units are likely to produce, read cheaply from the top-level apiVersion/kind lines of their
    /// folders' YAML files (a guess used only to start schema compilation early).
    /// </summary>
    public static IEnumerable<(string Group, string Version, string Kind)> PredictKinds(string repositoryRoot)
    {
        var found = new HashSet<(string, string, string)>();
        foreach (var folder in ManifestFolders.Select(f => System.IO.Path.Combine(repositoryRoot, f)).Where(Directory.Exists))
            foreach (var file in Directory.EnumerateFiles(folder, "*.yaml", SearchOption.AllDirectories))
            {
                string? apiVersion = null;
                foreach (var line in File.ReadLines(file))
                {
                    if (line.StartsWith("---", StringComparison.Ordinal)) apiVersion = null;
                    else if (line.StartsWith("apiVersion:", StringComparison.Ordinal)) apiVersion = line["apiVersion:".Length..].Trim().Trim('"', '\'');
                    else if (line.StartsWith("kind:", StringComparison.Ordinal) && apiVersion is not null)
                    {
                        var kind = line["kind:".Length..].Trim().Trim('"', '\'');
                        var slash = apiVersion.IndexOf('/');
                        if (!apiVersion.StartsWith("kustomize.config.k8s.io", StringComparison.Ordinal))
                            found.Add(slash < 0 ? ("", apiVersion, kind) : (apiVersion[..slash], apiVersion[(slash + 1)..], kind));
                    }
                }
            }
        return found;
    }

    /// <summary>Every path a kustomization points at: resources, components, bases, patches, generators' files, replacements.</summary>
    internal static (bool IsComponent, IReadOnlyList<string> References) ReadReferences(string kustomizationFile)
    {
        var stream = new YamlStream();
        using (var reader = new StreamReader(kustomizationFile)) stream.Load(reader);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root) return (false, []);
        var isComponent = root.Children.TryGetValue(new YamlScalarNode("kind"), out var kind) && (kind as YamlScalarNode)?.Value == "Component";

        var references = new List<string>();
        foreach (var (key, value) in root.Children)
        {
            var name = (key as YamlScalarNode)?.Value;
            if (name is "resources" or "components" or "bases" or "patchesStrategicMerge" or "crds" or "configurations" or "transformers" or "generators" or "validators")
                references.AddRange(Scalars(value).Where(s => !s.Contains("://", StringComparison.Ordinal)));
            else if (name is "patches" or "patchesJson6902" or "replacements" or "configMapGenerator" or "secretGenerator" or "helmCharts")
                references.AddRange(FileFields(value));
        }
        return (isComponent, references);
    }

    private static IEnumerable<string> Scalars(YamlNode node) =>
        node is YamlSequenceNode seq ? seq.Children.OfType<YamlScalarNode>().Select(s => s.Value ?? "").Where(s => s.Length > 0) : [];

    private static IEnumerable<string> FileFields(YamlNode node)
    {
        if (node is not YamlSequenceNode seq) yield break;
        foreach (var item in seq.Children.OfType<YamlMappingNode>())
            foreach (var (k, v) in item.Children)
            {
                var key = (k as YamlScalarNode)?.Value;
                if (key is "path" && v is YamlScalarNode p && p.Value is { Length: > 0 } path) yield return path;
                if (key is "files" or "envs" or "valuesFile")
                    foreach (var f in v is YamlSequenceNode files ? files.Children.OfType<YamlScalarNode>() : v is YamlScalarNode one ? [one] : [])
                        if (f.Value is { Length: > 0 } value) yield return value.Contains('=') ? value[(value.IndexOf('=') + 1)..] : value;
            }
    }

    private static string Relative(string root, string path) => System.IO.Path.GetRelativePath(root, path).Replace('\\', '/');
}
