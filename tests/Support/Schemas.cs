using Platform.Build.Validation;

namespace Platform.Build.Tests.Support;

/// <summary>The product's strict validator over the schema folder the tests use (Repo.SchemaDir), shared by all tests.</summary>
public static class Schemas
{
    public static SchemaStore Store { get; } = new(new FolderSchemaSource(Repo.SchemaDir), "1.35");

    /// <summary>Every schema finding for one object (unknown kind, unknown field, wrong type, missing required field).</summary>
    public static IReadOnlyList<string> Errors(ManifestObject obj) =>
        [.. new ObjectValidator(Store).ValidateAsync(obj).GetAwaiter().GetResult().Select(f => f.ToString())];
}
