namespace Platform.Build;

// Placeholder until its issue lands; replaced by the concern's real implementation.
public sealed partial class Suite
{
    internal void ConfigureGitOps() => throw new NotImplementedException("ConfigureGitOps is not implemented yet.");
}
