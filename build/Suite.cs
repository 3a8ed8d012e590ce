using Platform.Build.Logging;
using Platform.Build.Reporting;
using Platform.Build.Settings;
using Platform.Build.Tools;

namespace Platform.Build;

/// <summary>
/// The entry point build.cake calls: one instance per run, holding the validated settings, the log and the tool runner.
/// Each concern adds its targets in its own partial file (Suite.Validate.cs, Suite.Terraform.cs, ...); every target is
/// one public method, so build.cake stays a readable map.
/// </summary>
public sealed partial class Suite
{
    public Suite(PlatformSettings settings, ILog log, ToolRunner runner, IReadOnlyDictionary<string, string> environment)
    {
        Settings = settings;
        Log = log;
        Runner = runner;
        Environment = environment;
        Summary = new RunSummary();
    }

    public PlatformSettings Settings { get; }
    public ILog Log { get; }
    public ToolRunner Runner { get; }
    public IReadOnlyDictionary<string, string> Environment { get; }
    /// <summary>Rows for the table printed at the end of the run.</summary>
    public RunSummary Summary { get; }
    public string RepositoryRoot => Settings.RepositoryRoot;

    /// <summary>
    /// Loads and validates every setting for <paramref name="target"/>; throws <see cref="SettingsException"/> naming
    /// each bad setting before any tool runs.
    /// </summary>
    public static Suite Create(string repositoryRoot, string target, IDictionary<string, ICollection<string>> cakeArguments,
        bool verbose = false)
    {
        var environment = System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        var arguments = cakeArguments.ToDictionary(a => a.Key, a => a.Value.LastOrDefault() ?? "true", StringComparer.OrdinalIgnoreCase);
        var settings = SettingsLoader.Load(Path.GetFullPath(repositoryRoot), target, arguments, environment);
        var log = new ConsoleLog(verbose: verbose);
        return new Suite(settings, log, new ToolRunner(log, new ToolLocator(environment)), environment);
    }

    /// <summary>The output folder for this run (created on demand).</summary>
    public string OutputPath(params string[] parts)
    {
        var path = Path.Combine([Settings.OutputDirectory, .. parts]);
        Directory.CreateDirectory(parts.Length > 0 && Path.HasExtension(path) ? Path.GetDirectoryName(path)! : path);
        return path;
    }

    /// <summary>Prints the summary table; build.cake calls it from Teardown so it shows even after a failure.</summary>
    public void PrintSummary() => Summary.Print(Log);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Lazy<Task<string>>> _renders = new(StringComparer.Ordinal);

    /// <summary>
    /// `kubectl kustomize` of a folder, once per run: Capacity and Validate (which depends on it) share the render.
    /// </summary>
    internal Task<string> RenderOnceAsync(string dir, CancellationToken ct = default) =>
        _renders.GetOrAdd(Path.GetFullPath(dir), d => new Lazy<Task<string>>(() => Validation.ManifestRenderer.RenderYamlAsync(Runner, d, ct))).Value;

    /// <summary>Runs an async target step synchronously (Cake tasks are synchronous at the script level).</summary>
    internal static void Run(Func<Task> step) => step().GetAwaiter().GetResult();
}
