using System.Diagnostics;
using System.Text;
using CliWrap;
using Platform.Build.Logging;

namespace Platform.Build.Tools;

/// <summary>Runs <see cref="ToolCommand"/>s through CliWrap with a timeout, cancellation and streamed, redacted output.</summary>
public sealed class ToolRunner(ILog log, ToolLocator locator)
{
    private const int StderrTailLines = 20;

    public ILog Log => log;
    public ToolLocator Locator => locator;

    /// <summary>Runs the command; a non-success exit code throws <see cref="ToolFailedException"/>.</summary>
    public async Task<ToolResult> RunAsync(ToolCommand command, CancellationToken ct = default)
    {
        var path = locator.Find(command.Tool) ?? throw new ToolMissingException(command.Tool, "is not installed");
        var display = command.Display();
        log.Verbose("> " + display);

        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var cli = Cli.Wrap(path)
            .WithArguments(command.Arguments)
            .WithValidation(CommandResultValidation.None)
            .WithEnvironmentVariables(command.Environment)
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => Append(stdout, line, false)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => Append(stderr, line, true)));
        if (command.WorkingDirectory is not null) cli = cli.WithWorkingDirectory(command.WorkingDirectory);
        if (command.StandardInput is not null) cli = cli.WithStandardInputPipe(PipeSource.FromString(command.StandardInput));

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(command.Timeout);
        var watch = Stopwatch.StartNew();
        CliWrap.CommandResult result;
        try
        {
            result = await cli.ExecuteAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ToolFailedException(display, -1, $"timed out after {command.Timeout}. " + Tail(stderr));
        }

        var output = new ToolResult(result.ExitCode, stdout.ToString(), stderr.ToString(), watch.Elapsed);
        if (!command.SuccessExitCodes.Contains(result.ExitCode))
            throw new ToolFailedException(display, result.ExitCode, Tail(stderr));
        return output;

        void Append(StringBuilder sb, string line, bool isError)
        {
            lock (sb) sb.AppendLine(line);
            if (command.StreamOutput) log.Info((isError ? "  ! " : "  | ") + line);
        }
    }

    private static string Tail(StringBuilder stderr)
    {
        string text;
        lock (stderr) text = stderr.ToString();
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return Redaction.Apply(string.Join('\n', lines.TakeLast(StderrTailLines)));
    }
}
