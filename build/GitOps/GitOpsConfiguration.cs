using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using Platform.Build.Settings;

namespace Platform.Build.GitOps;

/// <summary>Where Argo CD takes this repository from: the URL, the revision of the platform and dev/test, and acc's.</summary>
public sealed record GitOpsSource(string RepoUrl, string Revision, string AccRevision)
{
    public static GitOpsSource From(PlatformSettings settings)
    {
        var revision = settings.Get(SettingsCatalog.GitOpsRevisionKey);
        return new(settings.Get(SettingsCatalog.GitOpsRepoUrlKey), revision,
            settings.Has(SettingsCatalog.GitOpsAccRevisionKey) ? settings.Get(SettingsCatalog.GitOpsAccRevisionKey) : revision);
    }
}

/// <summary>A chart the suite installs with Helm before GitOps takes over.</summary>
public sealed record HelmChartPin(string Repository, string Chart, string Version, string Namespace, string Release, string ValuesFile);

/// <summary>One settings-derived file that Git carries: its path (relative to the repository) and the content it must have.</summary>
public sealed record ManagedFile(string RelativePath, string Content);

/// <summary>Thrown when a managed file lost the marker the render step rewrites, or a setting cannot be rendered.</summary>
public sealed class GitOpsConfigurationException(string message) : Exception(message);

/// <summary>
/// The settings-derived files of the GitOps area. Configure writes them; Validate calls <see cref="FindStale"/> and fails
/// when Git carries something else, so the cluster never deploys from a URL or revision the settings do not name.
/// Pure: <see cref="Plan"/> computes the content, <see cref="Write"/> is the only method that touches the files.
/// </summary>
public static partial class GitOpsConfiguration
{
    /// <summary>Kustomize replacements copy these values into every Application and AppProject (argocd/components/gitops-source).</summary>
    public const string SourceFile = "argocd/components/gitops-source/gitops-source.yaml";
    /// <summary>The Kyverno policy whose allowedRegistries variable comes from images.allowedRegistries.</summary>
    public const string RegistryPolicyFile = "kyverno/restrict-image-registries/policy.yaml";
    /// <summary>Argo CD's Helm values: its host name comes from ingress.baseDomain.</summary>
    public const string ArgoCdValuesFile = "argocd/install/values.yaml";
    /// <summary>What the suite applies once after installing Argo CD: the projects and the root app-of-apps.</summary>
    public const string RootKustomization = "argocd/root";

    /// <summary>The Argo CD chart the suite installs (argo-cd 9.3.1 = Argo CD v3.2.4) with the values above.</summary>
    public static readonly HelmChartPin ArgoCdChart =
        new("https://argoproj.github.io/argo-helm", "argo-cd", "9.3.1", "argocd", "argocd", ArgoCdValuesFile);

    private static readonly JsonSerializerOptions YamlSafeJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The content every managed file must have for these settings, given the current text of the files that are edited in place.</summary>
    public static IReadOnlyList<ManagedFile> Plan(PlatformSettings settings, Func<string, string> readFile)
    {
        var registries = settings.GetList("images.allowedRegistries");
        return
        [
            new(SourceFile, RenderSourceFile(GitOpsSource.From(settings))),
            new(RegistryPolicyFile, RenderAllowedRegistries(readFile(RegistryPolicyFile), registries)),
            new(ArgoCdValuesFile, RenderArgoCdValues(readFile(ArgoCdValuesFile), "argocd." + settings.Get("ingress.baseDomain"),
                settings.Get("argocd.oidcIssuer"), settings.Get("argocd.oidcClientId"))),
        ];
    }

    public static IReadOnlyList<ManagedFile> Plan(PlatformSettings settings) =>
        Plan(settings, relative => File.ReadAllText(Path.Combine(settings.RepositoryRoot, relative)));

    /// <summary>
    /// One line per managed file whose committed content differs from what the settings give (or that cannot be
    /// rendered), naming the file and the fix. Empty when everything is current. Validate calls this.
    /// </summary>
    public static IReadOnlyList<string> FindStale(PlatformSettings settings)
    {
        IReadOnlyList<ManagedFile> plan;
        try
        {
            plan = Plan(settings);
        }
        catch (Exception e) when (e is GitOpsConfigurationException or IOException)
        {
            return [e.Message];
        }
        var stale = new List<string>();
        foreach (var file in plan)
        {
            var path = Path.Combine(settings.RepositoryRoot, file.RelativePath);
            var current = File.Exists(path) ? File.ReadAllText(path) : null;
            if (current != file.Content)
                stale.Add($"{file.RelativePath} is {(current is null ? "missing" : "stale")}: it does not match the settings " +
                    $"({Describe(file.RelativePath)}). Fix: run ./build.sh --target=Configure and commit the result.");
        }
        return stale;
    }

    /// <summary>Writes the files whose content differs; returns their relative paths. Renders everything first, so a bad input writes nothing.</summary>
    public static IReadOnlyList<string> Write(PlatformSettings settings)
    {
        var plan = Plan(settings);
        var changed = new List<string>();
        foreach (var file in plan)
        {
            var path = Path.Combine(settings.RepositoryRoot, file.RelativePath);
            if (File.Exists(path) && File.ReadAllText(path) == file.Content) continue;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, file.Content);
            changed.Add(file.RelativePath);
        }
        return changed;
    }

    public static string RenderSourceFile(GitOpsSource source) =>
        $"""
        # Written by `./build.sh --target=Configure` from the settings gitops.repoUrl, gitops.revision and gitops.accRevision.
        # Do not edit by hand: change the settings and run Configure; Validate fails when this file is stale.
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: gitops-source
          annotations:
            config.kubernetes.io/local-config: "true"
        data:
          repoURL: {Scalar(source.RepoUrl)}
          revision: {Scalar(source.Revision)}
          accRevision: {Scalar(source.AccRevision)}

        """;

    /// <summary>Rewrites the CEL list of the allowedRegistries variable: one registry host (with optional port) per item.</summary>
    public static string RenderAllowedRegistries(string policyText, IReadOnlyList<string> registries)
    {
        if (registries.Count == 0)
            throw new GitOpsConfigurationException("Setting 'images.allowedRegistries' is empty: no image could run. Fix: list at least one registry host, e.g. registry.example.org.");
        foreach (var registry in registries)
            if (!RegistryHost().IsMatch(registry))
                throw new GitOpsConfigurationException($"Setting 'images.allowedRegistries' = '{registry}': is not a registry host (host[:port], no path). " +
                    "Fix: list hosts only, e.g. registry.example.org or registry.example.org:5000.");
        var list = "\"[" + string.Join(", ", registries.Select(r => $"'{r}'")) + "]\"";
        var match = RegistryVariable().Match(policyText);
        if (!match.Success)
            throw new GitOpsConfigurationException($"{RegistryPolicyFile}: the variable 'allowedRegistries' with a one-line expression was not found. " +
                "Fix: restore '- name: allowedRegistries' followed by 'expression: \"[...]\"' in the policy's variables.");
        return policyText[..match.Groups["list"].Index] + list + policyText[(match.Groups["list"].Index + match.Groups["list"].Length)..];
    }

    /// <summary>Sets Argo CD's host name (global.domain, configs.cm.url) and the OIDC issuer and client ID in its Helm values.</summary>
    public static string RenderArgoCdValues(string valuesText, string host, string oidcIssuer, string oidcClientId)
    {
        if (oidcClientId.Any(c => char.IsWhiteSpace(c) || c is '"' or '\\' or '#' or ':'))
            throw new GitOpsConfigurationException($"Setting 'argocd.oidcClientId' = '{oidcClientId}': is not a plain client ID. Fix: use the ID the issuer shows, e.g. argocd.");
        (System.Text.RegularExpressions.Regex Pattern, string Value, string Name)[] lines =
        [
            (DomainLine(), host, "global.domain"),
            (UrlLine(), "https://" + host, "configs.cm.url"),
            (IssuerLine(), oidcIssuer, "issuer in configs.cm.oidc.config"),
            (ClientIdLine(), oidcClientId, "clientID in configs.cm.oidc.config"),
        ];
        foreach (var (pattern, value, name) in lines)
        {
            if (!pattern.IsMatch(valuesText))
                throw new GitOpsConfigurationException($"{ArgoCdValuesFile}: the line for {name} is missing. Fix: restore it (see git history).");
            valuesText = pattern.Replace(valuesText, m => m.Groups["key"].Value + value, 1);
        }
        return valuesText;
    }

    private static string Describe(string relativePath) => relativePath switch
    {
        SourceFile => "gitops.repoUrl, gitops.revision, gitops.accRevision",
        RegistryPolicyFile => "images.allowedRegistries",
        ArgoCdValuesFile => "ingress.baseDomain, argocd.oidcIssuer, argocd.oidcClientId",
        _ => "settings",
    };

    // JSON strings are valid YAML double-quoted scalars; the relaxed encoder keeps URLs readable.
    private static string Scalar(string value) => JsonSerializer.Serialize(value, YamlSafeJson);

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?(:[0-9]{1,5})?$")]
    private static partial Regex RegistryHost();

    [GeneratedRegex(@"- name: allowedRegistries\r?\n\s+expression: (?<list>""\[[^\r\n]*\]"")")]
    private static partial Regex RegistryVariable();

    [GeneratedRegex(@"(?m)^(?<key>  domain: )\S+$")]
    private static partial Regex DomainLine();

    [GeneratedRegex(@"(?m)^(?<key>    url: )\S+$")]
    private static partial Regex UrlLine();

    [GeneratedRegex(@"(?m)^(?<key>      issuer: )\S+$")]
    private static partial Regex IssuerLine();

    [GeneratedRegex(@"(?m)^(?<key>      clientID: )\S+$")]
    private static partial Regex ClientIdLine();
}
