namespace Platform.Build;

// Placeholder until its issue lands; replaced by the concern's real implementation.
public sealed partial class Suite
{
    public void Bootstrap() => throw new NotImplementedException("Bootstrap is not implemented yet.");
    public void BenchmarkBootstrap() => throw new NotImplementedException("BenchmarkBootstrap is not implemented yet.");
}
