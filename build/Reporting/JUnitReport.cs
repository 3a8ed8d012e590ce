using System.Globalization;
using System.Xml.Linq;
using Platform.Build.Logging;

namespace Platform.Build.Reporting;

public sealed record JUnitCase(string Name, string ClassName, TimeSpan Duration, string? Failure = null, bool Skipped = false, string? SkipReason = null);

public sealed record JUnitSuite(string Name, IReadOnlyList<JUnitCase> Cases);

/// <summary>Writes JUnit XML (the subset CI systems read: testsuites/testsuite/testcase/failure/skipped).</summary>
public static class JUnitReport
{
    public static void Write(string path, IEnumerable<JUnitSuite> suites)
    {
        var list = suites.ToList();
        var root = new XElement("testsuites",
            new XAttribute("tests", list.Sum(s => s.Cases.Count)),
            new XAttribute("failures", list.Sum(s => s.Cases.Count(c => c.Failure is not null))),
            list.Select(s => new XElement("testsuite",
                new XAttribute("name", s.Name),
                new XAttribute("tests", s.Cases.Count),
                new XAttribute("failures", s.Cases.Count(c => c.Failure is not null)),
                new XAttribute("skipped", s.Cases.Count(c => c.Skipped)),
                new XAttribute("time", Seconds(s.Cases.Aggregate(TimeSpan.Zero, (t, c) => t + c.Duration))),
                s.Cases.Select(c => new XElement("testcase",
                    new XAttribute("name", c.Name),
                    new XAttribute("classname", c.ClassName),
                    new XAttribute("time", Seconds(c.Duration)),
                    c.Failure is null ? null : new XElement("failure", new XAttribute("message", FirstLine(c.Failure)), Redaction.Apply(c.Failure)),
                    c.Skipped ? new XElement("skipped", new XAttribute("message", c.SkipReason ?? "")) : null)))));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        new XDocument(new XDeclaration("1.0", "utf-8", null), root).Save(path);
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.000", CultureInfo.InvariantCulture);
    private static string FirstLine(string s) => Redaction.Apply(s.Split('\n')[0]);
}
