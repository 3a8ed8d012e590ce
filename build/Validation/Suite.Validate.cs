namespace Platform.Build;

// Placeholder until its issue lands; replaced by the concern's real implementation.
public sealed partial class Suite
{
    public void Validate() => throw new NotImplementedException("Validate is not implemented yet.");
    public void BenchmarkValidate() => throw new NotImplementedException("BenchmarkValidate is not implemented yet.");
}
