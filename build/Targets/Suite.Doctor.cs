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
        foreach (var s in statuses)
            Summary.Add("Doctor", s.Tool.Name, DoctorStatus(s), s.Version?.ToString() ?? s.State.ToString().ToLowerInvariant());

        var targets = Settings.GetList("doctor.for");
        var broken = statuses.Where(s => s.Tool.RequiredFor.Intersect(targets, StringComparer.OrdinalIgnoreCase).Any()
            && s.State is ToolState.Missing or ToolState.TooOld).ToList();
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

    private static StepStatus DoctorStatus(ToolStatus s) => s.State switch
    {
        ToolState.Ok => StepStatus.Passed,
        ToolState.Missing when s.Tool.RequiredFor.Count == 0 => StepStatus.Skipped,
        ToolState.Unknown => StepStatus.Warning,
        _ => StepStatus.Failed,
    };
}
