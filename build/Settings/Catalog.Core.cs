namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    public const string EnvironmentsKey = "environments";
    public const string EnvKey = "env";

    private static readonly SettingDefinition[] Core =
    [
        new("platform.name", SettingKind.DnsLabel,
            "Short name of this platform; prefixes and tags every cloud resource so Teardown and the leak check find them.")
        { Default = "seed", Check = v => v.Length > 20 ? new("is longer than 20 characters.", "use a name of at most 20 characters, e.g. 'seed'.") : null },
        new(EnvironmentsKey, SettingKind.List,
            "The environments this repository defines; each needs k8s/overlays/<name>.")
        { Default = "dev,test,acc", Check = CheckDnsLabel },
        new(EnvKey, SettingKind.List,
            "Which environments a target acts on (default: all of 'environments').")
        { Check = CheckDnsLabel },
        new("kubernetes.version", SettingKind.Text, "Kubernetes version of the cluster and of the validation schemas.")
        { Default = "1.35.0", Check = v => System.Text.RegularExpressions.Regex.IsMatch(v, @"^1\.35\.\d+$") ? null
            : new("is not a Kubernetes 1.35 patch version.", "use 1.35.<patch>, e.g. 1.35.0; this release of the suite targets 1.35 only.") },
        new("schemaDir", SettingKind.Path,
            "Folder with Kubernetes OpenAPI v3 schemas (kubernetes/<minor>/...) and CRD schemas (crds/<group>/<kind>_<version>.json). Empty: download the pinned schemas into the user cache.")
        { Check = CheckFolderExists },
        new("schemaCache", SettingKind.Path, "Where downloaded schemas are kept (default: the user's cache folder).") ,
        new("strictTools", SettingKind.Boolean,
            "Fail when an optional validator (kubeconform, kyverno, kube-linter, trivy) is not installed.")
        { Default = "false" },
        new("doctor.for", SettingKind.List, "Targets whose required tools Doctor insists on (e.g. Deploy before a deployment).")
        { Default = "Validate,Lint,Test" },
        new("testFilter", SettingKind.Text, "dotnet test --filter expression for the Test target (e.g. TestCategory!=OpenStackLab)."),
        new("output", SettingKind.Path, "Folder for reports, JUnit XML, plans and the kubeconfig.") { Default = "artifacts" },
        new("images.registry", SettingKind.Text, "Registry and path the project's own images are pushed to.")
        { Default = "registry.example.org/platform" },
        new("images.allowedRegistries", SettingKind.List, "Registries workloads may pull from (Kyverno policy and tests).")
        { Default = "registry.example.org,docker.io,quay.io,registry.k8s.io,ghcr.io" },
        new("ingress.baseDomain", SettingKind.HostName,
            "DNS zone under which each environment gets wordpress.<env>.<baseDomain>.")
        { Default = "seed.example.org" },
    ];

    private static readonly Func<PlatformSettings, IEnumerable<SettingError>>[] CoreCrossChecks =
    [
        s =>
        {
            var known = s.GetList(EnvironmentsKey);
            return s.GetList(EnvKey)
                .Where(e => !known.Contains(e, StringComparer.Ordinal))
                .Select(e => new SettingError(EnvKey, e, "is not a known environment.",
                    $"use one of {string.Join(", ", known)}, or add it to '{EnvironmentsKey}' with an overlay in k8s/overlays/{e}."));
        },
    ];

    internal static SettingProblem? CheckDnsLabel(string v) =>
        System.Text.RegularExpressions.Regex.IsMatch(v, "^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")
            ? null
            : new("is not a DNS label.", "use lowercase letters, digits and '-', starting with a letter, e.g. 'dev'.");

    internal static SettingProblem? CheckFolderExists(string v) =>
        Directory.Exists(v) ? null : new("is not an existing folder.", "point it at an existing folder, or leave it empty.");
}
