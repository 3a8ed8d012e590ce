namespace Platform.Build.Tests.Support;

/// <summary>Locations the tests work on: the repository checkout and the schema folder CI points at.</summary>
public static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>PLATFORM_SCHEMADIR if set (CI sets it), else ../shared/schemas beside the checkout.</summary>
    public static string SchemaDir { get; } =
        Environment.GetEnvironmentVariable("PLATFORM_SCHEMADIR") is { Length: > 0 } dir
            ? Path.GetFullPath(dir)
            : Path.GetFullPath(Path.Combine(Root, "..", "shared", "schemas"));

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    public static string Fixture(params string[] parts) =>
        Path.Combine([TestContext.CurrentContext.TestDirectory, "Fixtures", .. parts]);

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "build.cake"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("build.cake not found above the test binaries.");
    }
}
