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

    private OpenStackLab(string directory, bool startedHere, string adminPassword, TimeSpan startTime)
    {
        Directory = directory;
        StartedHere = startedHere;
        AdminPassword = adminPassword;
        StartTime = startTime;
        Redaction.Register(adminPassword);
    }

    public string Directory { get; }
    public bool StartedHere { get; }
    public string AdminPassword { get; }
    public TimeSpan StartTime { get; }

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
        var (code, output) = await RunScriptAsync("start.sh", TimeSpan.FromMinutes(8));
        if (code != 0)
        {
            await RunScriptAsync("stop.sh", TimeSpan.FromMinutes(2));
            throw new InvalidOperationException($"The OpenStack lab did not start (exit {code}); logs in {dir}/logs:\n{output}");
        }
        TestContext.Progress.WriteLine($"OpenStack lab: up in {watch.Elapsed.TotalSeconds:0}s.");
        return new OpenStackLab(dir, true, (await File.ReadAllTextAsync(Path.Combine(dir, "admin-password"))).Trim(), watch.Elapsed);
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
