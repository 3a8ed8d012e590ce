namespace Platform.Build;

// Placeholder until its issue lands; replaced by the concern's real implementation.
public sealed partial class Suite
{
    public void Plan() => throw new NotImplementedException("Plan is not implemented yet.");
    public void Provision() => throw new NotImplementedException("Provision is not implemented yet.");
    public void Destroy() => throw new NotImplementedException("Destroy is not implemented yet.");
}
