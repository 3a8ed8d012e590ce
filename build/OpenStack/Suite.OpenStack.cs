namespace Platform.Build;

// Placeholder until its issue lands; replaced by the concern's real implementation.
public sealed partial class Suite
{
    public void Preflight() => throw new NotImplementedException("Preflight is not implemented yet.");
    public void Audit() => throw new NotImplementedException("Audit is not implemented yet.");
    public void LeakCheck() => throw new NotImplementedException("LeakCheck is not implemented yet.");
}
