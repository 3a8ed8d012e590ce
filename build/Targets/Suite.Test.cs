using System.Xml.Linq;
using Platform.Build.Reporting;
using Platform.Build.Tools;

namespace Platform.Build;

public sealed partial class Suite
{
    /// <summary>Runs every NUnit test (labs included); JUnit XML goes to artifacts/tests/.</summary>
    public void Test() => Run(async () =>
    {
        var results = OutputPath("tests");
        var command = DotNetCli.Test(Path.Combine(RepositoryRoot, "tests", "Platform.Build.Tests.csproj"), results,
            Settings.Has("testFilter") ? Settings.Get("testFilter") : null) with
        {
            // The tests find the schema folder the same way Validate does.
            Environment = SchemaFolder is { } folder ? new Dictionary<string, string?> { ["PLATFORM_SCHEMADIR"] = folder } : new Dictionary<string, string?>(),
            StreamOutput = true,
        };
        Log.Info("> " + command.Display());
        var result = await Runner.RunAsync(command).ConfigureAwait(false);

        var junit = Path.Combine(results, "tests.junit.xml");
        var (passed, failed, skipped) = File.Exists(junit) ? CountJUnit(junit) : (0, 0, 0);
        // A plain closing line that CI systems read.
        Console.Out.WriteLine($"Tests: {passed} passed, {failed} failed, {skipped} skipped");
        Summary.Add("Test", "NUnit", result.ExitCode == 0 && failed == 0 ? StepStatus.Passed : StepStatus.Failed,
            $"{passed} passed, {failed} failed, {skipped} skipped", result.Duration);
        if (result.ExitCode != 0 || failed > 0 || passed == 0)
            throw new InvalidOperationException(passed == 0 ? "No test ran." : $"{failed} test(s) failed; see the output above and {junit}.");
    });

    internal static (int Passed, int Failed, int Skipped) CountJUnit(string path)
    {
        var cases = XDocument.Load(path).Descendants("testcase").ToList();
        var failed = cases.Count(c => c.Element("failure") is not null || c.Element("error") is not null);
        var skipped = cases.Count(c => c.Element("skipped") is not null);
        return (cases.Count - failed - skipped, failed, skipped);
    }
}
