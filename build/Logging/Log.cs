using Spectre.Console;

namespace Platform.Build.Logging;

/// <summary>Where the suite writes progress. Every line passes through <see cref="Redaction"/> first.</summary>
public interface ILog
{
    void Info(string message);
    void Warn(string message);
    void Error(string message);
    void Verbose(string message);
    /// <summary>Writes a Spectre renderable (tables, rules). Plain logs print its text form.</summary>
    void Write(Spectre.Console.Rendering.IRenderable renderable);
}

/// <summary>Console log over Spectre.Console: colours on a terminal, plain text in CI logs.</summary>
public sealed class ConsoleLog : ILog
{
    private readonly IAnsiConsole _console;
    private readonly bool _verbose;
    private readonly object _gate = new();

    public ConsoleLog(IAnsiConsole? console = null, bool verbose = false)
    {
        _console = console ?? AnsiConsole.Console;
        // CI logs are not terminals; Spectre would wrap tables at 80 columns.
        if (console is null && Console.IsOutputRedirected) _console.Profile.Width = 180;
        _verbose = verbose;
    }

    public void Info(string message) => Line(message, null);
    public void Warn(string message) => Line(message, "yellow");
    public void Error(string message) => Line(message, "red");
    public void Verbose(string message) { if (_verbose) Line(message, "grey"); }

    public void Write(Spectre.Console.Rendering.IRenderable renderable)
    {
        lock (_gate) _console.Write(renderable);
    }

    private void Line(string message, string? colour)
    {
        var text = Markup.Escape(Redaction.Apply(message));
        lock (_gate) _console.MarkupLine(colour is null ? text : $"[{colour}]{text}[/]");
    }
}

/// <summary>Keeps lines in memory; tests assert on them (and that no secret reached them).</summary>
public sealed class RecordingLog : ILog
{
    private readonly List<string> _lines = new();
    public IReadOnlyList<string> Lines { get { lock (_lines) return _lines.ToList(); } }
    public string Text => string.Join('\n', Lines);

    public void Info(string message) => Add("INFO", message);
    public void Warn(string message) => Add("WARN", message);
    public void Error(string message) => Add("ERROR", message);
    public void Verbose(string message) => Add("VERBOSE", message);

    public void Write(Spectre.Console.Rendering.IRenderable renderable)
    {
        var writer = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Out = new AnsiConsoleOutput(writer),
        });
        console.Profile.Width = 200;
        console.Write(renderable);
        Add("TABLE", writer.ToString());
    }

    private void Add(string level, string message)
    {
        lock (_lines) _lines.Add($"{level}: {Redaction.Apply(message)}");
    }
}
