using Platform.Build.Logging;
using Platform.Build.OpenStack.Checks;
using Platform.Build.Settings;
using Platform.Build.Tools;

namespace Platform.Build.Tests.OpenStack.Lab;

/// <summary>
/// Starts (or reuses) the real OpenStack lab once for every test in this namespace, seeds what an admin provides,
/// and stops the lab by PID at the end when it was started here.
/// </summary>
[SetUpFixture]
public sealed class LabSetUp
{
    public const string ExternalNetwork = "public";
    public const string FullExternalNetwork = "public-full";
    public const string InternalNetwork = "internal-only";
    public const string ReadyProject = "platform-ready";
    public const string Image = "debian-12-genericcloud-amd64";

    private static OpenStackLab? _lab;
    private static LabCloud? _admin;

    public static OpenStackLab Lab => _lab ?? throw new InvalidOperationException("The lab is not started.");
    public static LabCloud Admin => _admin ?? throw new InvalidOperationException("The lab is not seeded.");

    [OneTimeSetUp]
    public async Task StartAndSeed()
    {
        _lab = await OpenStackLab.StartOrReuseAsync();
        _admin = await LabCloud.ConnectAdminAsync(_lab, "member-" + Guid.NewGuid().ToString("N")[..20]);
        await _admin.EnsureMemberProjectAsync(ReadyProject);
        await _admin.EnsureFlavorAsync("m1.small", 1, 2048, 20);
        await _admin.EnsureFlavorAsync("m1.medium", 2, 4096, 20);
        await _admin.EnsureFlavorAsync("m1.large", 4, 8192, 40);
        await _admin.EnsureImageAsync(Image);
        await _admin.EnsureExternalNetworkAsync(ExternalNetwork,
            "\"provider:network_type\": \"flat\", \"provider:physical_network\": \"physnet1\"", "203.0.113.0/24", "203.0.113.100", "203.0.113.200");
        var full = await _admin.EnsureExternalNetworkAsync(FullExternalNetwork,
            "\"provider:network_type\": \"vxlan\"", "198.51.100.0/28", "198.51.100.10", "198.51.100.11");
        await _admin.ExhaustPoolAsync(full);
        await _admin.EnsureSharedInternalNetworkAsync(InternalNetwork);
    }

    [OneTimeTearDown]
    public async Task Stop()
    {
        _admin?.Dispose();
        if (_lab is not null) await _lab.StopAsync();
    }

    /// <summary>Builds the suite for a target the way build.cake does, with lab credentials in its environment.</summary>
    public static (Suite Suite, RecordingLog Log) CreateSuite(string target, IReadOnlyDictionary<string, string> environment,
        IDictionary<string, string>? settings = null, string platform = "labpf")
    {
        var arguments = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["platform.name"] = platform,
            ["openstack.externalNetwork"] = ExternalNetwork,
            ["openstack.adminCidrs"] = "198.18.0.0/24",
            ["output"] = Path.Combine(Path.GetTempPath(), "oslab-artifacts", Guid.NewGuid().ToString("N")),
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string>()) arguments[k] = v;
        var loaded = SettingsLoader.Load(Support.Repo.Root, target, arguments, environment);
        var log = new RecordingLog();
        // The tools (terraform, for Audit's intent) are found on the process PATH, as for a user.
        var toolEnvironment = new Dictionary<string, string>(environment) { ["PATH"] = Environment.GetEnvironmentVariable("PATH") ?? "" };
        return (new Suite(loaded, log, new ToolRunner(log, new ToolLocator(toolEnvironment)), environment), log);
    }

    public static IEnumerable<Finding> Failed(CheckReport report, string check) =>
        report.Findings.Where(f => f.Status == FindingStatus.Fail && f.Check == check);
}
