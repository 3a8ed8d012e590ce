using System.Diagnostics;
using Platform.Build.Logging;
using Platform.Build.Tests.Support;

namespace Platform.Build.Tests.OpenStack.Lab;

/// <summary>
/// The real OpenStack Zed lab on 127.0.0.1 (tests/OpenStack/lab/start.sh). Started once for the lab tests, or reused
/// when one is already running and healthy; stopped by its recorded PIDs (stop.sh) only when these tests started it.
/// </summary>
public sealed class OpenStackLab
{
    public const string AuthUrl = "http://127.0.0.1:5000/v3";
    /// <summary>The second Keystone whose tokens expire after ShortTokenSeconds (same database and keys).</summary>
    public const string ShortTokenAuthUrl = "http://127.0.0.1:5001/v3";
    public const int ShortTokenSeconds = 20;

    public static readonly string[] Services =
    [
        "mariadb", "epmd", "rabbitmq", "keystone", "keystone-short", "placement", "glance-api", "neutron-server",
        "nova-api", "nova-conductor", "nova-scheduler", "nova-compute", "cinder-api", "cinder-scheduler", "cinder-volume",
    ];

    private OpenStackLab(string directory, bool startedHere, string adminPassword, TimeSpan startTime,
        IReadOnlyCollection<string>? startCommandLines = null)
    {
        Directory = directory;
        StartedHere = startedHere;
        AdminPassword = adminPassword;
        StartTime = startTime;
        StartCommandLines = startCommandLines ?? [];
        Redaction.Register(adminPassword);
    }

    public string Directory { get; }
    public bool StartedHere { get; }
    public string AdminPassword { get; }
    public TimeSpan StartTime { get; }
    /// <summary>Every command line seen on the machine while start.sh ran (empty when the lab was reused).</summary>
    public IReadOnlyCollection<string> StartCommandLines { get; }

    public static string LabDirectory =>
        System.Environment.GetEnvironmentVariable("OSLAB_DIR") is { Length: > 0 } d ? d : "/tmp/platform-oslab";

    private static string Script(string name) => Repo.PathOf("tests", "OpenStack", "lab", name);

    public static async Task<OpenStackLab> StartOrReuseAsync()
    {
        var dir = LabDirectory;
        if (await IsHealthyAsync(dir))
        {
            TestContext.Progress.WriteLine($"OpenStack lab: reusing the healthy lab in {dir}.");
            return new OpenStackLab(dir, false, (await File.ReadAllTextAsync(Path.Combine(dir, "admin-password"))).Trim(), TimeSpan.Zero);
        }
        TestContext.Progress.WriteLine($"OpenStack lab: starting it in {dir} (about 1-2 minutes)...");
        var watch = Stopwatch.StartNew();
        var sampler = CommandLineSampler.Start();
        var (code, output) = await RunScriptAsync("start.sh", TimeSpan.FromMinutes(8));
        var commandLines = await sampler.StopAsync();
        if (code != 0)
        {
            await RunScriptAsync("stop.sh", TimeSpan.FromMinutes(2));
            throw new InvalidOperationException($"The OpenStack lab did not start (exit {code}); logs in {dir}/logs:\n{output}");
        }
        TestContext.Progress.WriteLine($"OpenStack lab: up in {watch.Elapsed.TotalSeconds:0}s.");
        return new OpenStackLab(dir, true, (await File.ReadAllTextAsync(Path.Combine(dir, "admin-password"))).Trim(), watch.Elapsed, commandLines);
    }

    public async Task StopAsync()
    {
        if (!StartedHere) return;
        var (_, output) = await RunScriptAsync("stop.sh", TimeSpan.FromMinutes(3));
        TestContext.Progress.WriteLine(output.Trim());
    }

    private static async Task<bool> IsHealthyAsync(string dir)
    {
        if (!File.Exists(Path.Combine(dir, "admin-password"))) return false;
        foreach (var service in Services)
        {
            var pidFile = Path.Combine(dir, "pids", service);
            if (!File.Exists(pidFile) || !int.TryParse(File.ReadAllText(pidFile).Trim(), out var pid) || !IsAlive(pid)) return false;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        try
        {
            foreach (var url in new[] { AuthUrl, ShortTokenAuthUrl, "http://127.0.0.1:9696/", "http://127.0.0.1:8774/", "http://127.0.0.1:8776/", "http://127.0.0.1:9292/versions" })
            {
                using var response = await http.GetAsync(url);
                if ((int)response.StatusCode >= 500) return false;
            }
            return true;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return false;
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static async Task<(int Code, string Output)> RunScriptAsync(string script, TimeSpan timeout)
    {
        var info = new ProcessStartInfo("/bin/bash", [Script(script)])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["OSLAB_DIR"] = LabDirectory;
        info.Environment["OSLAB_SHORT_TOKEN_SECONDS"] = ShortTokenSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{script} timed out after {timeout.TotalMinutes} min\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>
/// Samples the command line of every process (/proc/*/cmdline) every 100 ms, as any local user could with ps. The lab
/// tests check that no password of the lab ever appeared in one. A process that lives only a few milliseconds can
/// slip between two samples; the long-running services and every tool that starts a runtime (Python, Erlang) cannot.
/// </summary>
public sealed class CommandLineSampler
{
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public static CommandLineSampler Start()
    {
        var sampler = new CommandLineSampler();
        sampler._loop = Task.Run(async () =>
        {
            while (!sampler._stop.IsCancellationRequested)
            {
                foreach (var line in Snapshot()) sampler._seen.Add(line);
                try
                {
                    await Task.Delay(100, sampler._stop.Token);
                }
                catch (OperationCanceledException)
                {
                    // Stopped.
                }
            }
        });
        return sampler;
    }

    public async Task<IReadOnlyCollection<string>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop!;
        _stop.Dispose();
        return _seen;
    }

    /// <summary>The command lines of the processes running now, arguments joined by spaces.</summary>
    public static IReadOnlyList<string> Snapshot()
    {
        var lines = new List<string>();
        foreach (var dir in System.IO.Directory.EnumerateDirectories("/proc"))
        {
            if (!Path.GetFileName(dir).All(char.IsAsciiDigit)) continue;
            try
            {
                var bytes = File.ReadAllBytes(Path.Combine(dir, "cmdline"));
                if (bytes.Length > 0) lines.Add(System.Text.Encoding.UTF8.GetString(bytes).Replace('\0', ' ').TrimEnd());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The process ended between listing and reading.
            }
        }
        return lines;
    }
}
