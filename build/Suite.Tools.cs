namespace Platform.Build;

// Placeholder until its issue lands; replaced by the concern's real implementation.
public sealed partial class Suite
{
    public void ShowSettings() => throw new NotImplementedException();
    public void Doctor() => throw new NotImplementedException();
    public void Lint() => throw new NotImplementedException();
    public void Test() => throw new NotImplementedException();
}
