namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    private static readonly SettingDefinition[] GitOps =
    [
        new("gitops.repoUrl", SettingKind.Url, "Git URL Argo CD pulls this repository from.")
        { Default = "https://git.example.org/platform/seed.git" },
        new("gitops.revision", SettingKind.Text, "Git revision (tag or commit) Argo CD deploys; never HEAD for acc.")
        { Default = "main" },
    ];
}
