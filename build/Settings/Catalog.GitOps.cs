namespace Platform.Build.Settings;

public static partial class SettingsCatalog
{
    public const string GitOpsRepoUrlKey = "gitops.repoUrl";
    public const string GitOpsRevisionKey = "gitops.revision";
    public const string GitOpsAccRevisionKey = "gitops.accRevision";

    private static readonly SettingDefinition[] GitOps =
    [
        new(GitOpsRepoUrlKey, SettingKind.Url, "Git URL Argo CD pulls this repository from.")
        { Default = "https://git.example.org/platform/seed.git" },
        new(GitOpsRevisionKey, SettingKind.Text,
            "Git revision (branch, tag or commit) the platform apps and dev/test deploy; never HEAD.")
        { Default = "main", Check = CheckGitRevision },
        new("argocd.oidcIssuer", SettingKind.Url, "OIDC issuer URL Argo CD signs users in with (SSO; groups claim maps to the RBAC roles).")
        { Default = "https://sso.example.org/realms/platform" },
        new("argocd.oidcClientId", SettingKind.Text, "OIDC client ID of Argo CD at the issuer.") { Default = "argocd" },
        new("argocd.oidcClientSecret", SettingKind.Text,
            "OIDC client secret; put into the Secret argocd-oidc at deploy time, never into Git or values.")
        { Secret = true, EnvironmentVariableOverride = "PLATFORM_ARGOCD_OIDC_CLIENT_SECRET" },
        new("argocd.alertsWebhookUrl", SettingKind.Text,
            "Webhook URL for Argo CD notifications (sync failed, degraded); put into argocd-notifications-secret at deploy time.")
        { Secret = true, EnvironmentVariableOverride = "PLATFORM_ARGOCD_ALERTS_WEBHOOK_URL" },
        new(GitOpsAccRevisionKey, SettingKind.Text,
            "Git revision acc deploys: a release tag or commit promoted after test (empty: same as gitops.revision); never HEAD.")
        { Check = CheckGitRevision },
    ];

    /// <summary>A revision Argo CD can pin to: not HEAD (it moves with whatever is pushed), no ranges or wildcards.</summary>
    internal static SettingProblem? CheckGitRevision(string v)
    {
        if (string.Equals(v, "HEAD", StringComparison.OrdinalIgnoreCase))
            return new("is HEAD, which follows whatever was pushed last.", "name a branch, a release tag (e.g. v1.4.0) or a commit SHA.");
        if (v.IndexOfAny(['*', '^', '~', '<', '>', ' ', ':', '?', '[', '\\']) >= 0 || v.StartsWith('-') || v.Contains(".."))
            return new("is not a plain Git branch, tag or commit.", "use a name like main, v1.4.0 or a 40-character commit SHA, without ranges or wildcards.");
        return null;
    }
}
