namespace Platform.Build;

public sealed partial class Suite
{
    /// <summary>
    /// Writes the settings-derived files that Git must carry for GitOps (host names per environment, repository URL
    /// and revision). Validate fails when they are stale.
    /// </summary>
    public void Configure()
    {
        ConfigureEnvironments();
        ConfigureGitOps();
    }
}
