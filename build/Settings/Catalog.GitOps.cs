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
