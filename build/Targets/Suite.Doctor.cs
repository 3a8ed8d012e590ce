using Platform.Build.Reporting;
using Platform.Build.Settings;
using Platform.Build.Tools;
using Spectre.Console;

namespace Platform.Build;

public sealed partial class Suite
{
    /// <summary>Prints every setting, its value (secrets masked) and where it came from.</summary>
    public void ShowSettings()
    {
        var table = new Table().Title("Settings").AddColumns("Setting", "Argument", "Value", "Source", "Description");
        foreach (var (key, value, source, _) in Settings.Describe())
            table.AddRow(Markup.Escape(key), "--" + SettingsCatalog.Find(key)!.ArgumentName, Markup.Escape(value), Markup.Escape(source),
                Markup.Escape(SettingsCatalog.Find(key)!.Description));
        Log.Write(table);
    }

    /// <summary>
    /// The tool table: each tool, the targets that need or use it, the version found, its state and how to install it.
    /// Fails only when a tool required by some target is missing or too old.
    /// </summary>
    public void Doctor() => Run(async () =>
    {
        var statuses = await Task.WhenAll(KnownTools.All.Select(t => ToolStatus.ProbeAsync(t, Runner.Locator))).ConfigureAwait(false);
        Log.Write(DoctorTable(statuses));
        var targets = Settings.GetList("doctor.for");
        foreach (var s in statuses)
            Summary.Add("Doctor", s.Tool.Name, DoctorStatus(s, targets), s.Version?.ToString() ?? s.State.ToString().ToLowerInvariant());

        var broken = statuses.Where(s => IsRequiredFor(s.Tool, targets) && s.State is ToolState.Missing or ToolState.TooOld).ToList();
        if (broken.Count > 0)
            throw new InvalidOperationException($"Tools required for {string.Join(", ", targets)} are missing or too old: " +
                string.Join("; ", broken.Select(s => $"{s.Tool.Name} ({s.State}, needs >= {s.Tool.MinimumVersion}): {s.Tool.InstallHint}")));
    });

    internal static Table DoctorTable(IEnumerable<ToolStatus> statuses)
    {
        var table = new Table().Title("Tools").AddColumns("Tool", "Required for", "Optional for", "Found", "Minimum", "State", "How to install");
        foreach (var s in statuses)
        {
            var state = s.State switch
            {
                ToolState.Ok => "[green]OK[/]",
                ToolState.Missing when s.Tool.RequiredFor.Count == 0 => "[grey]missing (optional)[/]",
                ToolState.Missing => "[red]missing[/]",
                ToolState.TooOld => "[red]too old[/]",
                _ => "[yellow]version unknown[/]",
            };
            table.AddRow(s.Tool.Name, Markup.Escape(string.Join(", ", s.Tool.RequiredFor)), Markup.Escape(string.Join(", ", s.Tool.OptionalFor)),
                s.Version?.ToString() ?? "-", s.Tool.MinimumVersion, state, s.State == ToolState.Ok ? "" : Markup.Escape(s.Tool.InstallHint));
        }
        return table;
    }

    private static bool IsRequiredFor(ToolInfo tool, IEnumerable<string> targets) =>
        tool.RequiredFor.Intersect(targets, StringComparer.OrdinalIgnoreCase).Any();

    /// <summary>Failed only for what fails the run: a tool that a target in doctor.for requires; other gaps are warnings.</summary>
    internal static StepStatus DoctorStatus(ToolStatus s, IReadOnlyList<string> targets) => s.State switch
    {
        ToolState.Ok => StepStatus.Passed,
        ToolState.Missing when s.Tool.RequiredFor.Count == 0 => StepStatus.Skipped,
        ToolState.Missing or ToolState.TooOld when IsRequiredFor(s.Tool, targets) => StepStatus.Failed,
        _ => StepStatus.Warning,
    };
}
