namespace Platform.Build;

// Placeholder until its issue lands; replaced by the concern's real implementation.
public sealed partial class Suite
{
    public void Capacity() => throw new NotImplementedException("Capacity is not implemented yet.");
    internal void ConfigureEnvironments() => throw new NotImplementedException("ConfigureEnvironments is not implemented yet.");
}
