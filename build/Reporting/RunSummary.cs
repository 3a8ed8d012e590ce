using Platform.Build.Logging;
using Spectre.Console;

namespace Platform.Build.Reporting;

public enum StepStatus { Passed, Failed, Skipped, Warning }

public sealed record SummaryRow(string Step, string Subject, StepStatus Status, string Detail, TimeSpan Duration);

/// <summary>Collects one row per checked thing and prints them as a table at the end of a run.</summary>
public sealed class RunSummary
{
    private readonly List<SummaryRow> _rows = new();

    public IReadOnlyList<SummaryRow> Rows { get { lock (_rows) return _rows.ToList(); } }

    public void Add(string step, string subject, StepStatus status, string detail, TimeSpan duration = default)
    {
        lock (_rows) _rows.Add(new SummaryRow(step, subject, status, Redaction.Apply(detail), duration));
    }

    public bool HasFailures => Rows.Any(r => r.Status == StepStatus.Failed);

    public void Print(ILog log)
    {
        var rows = Rows;
        if (rows.Count == 0) return;
        var table = new Table().Title("Run summary").AddColumns("Step", "Subject", "Status", "Detail", "Time");
        foreach (var r in rows)
        {
            var colour = r.Status switch
            {
                StepStatus.Passed => "green",
                StepStatus.Failed => "red",
                StepStatus.Warning => "yellow",
                _ => "grey",
            };
            table.AddRow(Markup.Escape(r.Step), Markup.Escape(r.Subject), $"[{colour}]{r.Status}[/]", Markup.Escape(r.Detail),
                r.Duration == default ? "" : $"{r.Duration.TotalSeconds:0.0}s");
        }
        log.Write(table);
    }
}
