using Platform.Build.Logging;
using Platform.Build.Settings;
using Platform.Build.Tools;

namespace Platform.Build.Tests.Terraform;

/// <summary>Temp repositories, settings and suites for the Terraform tests.</summary>
internal sealed class TempRepo : IDisposable
{
    public TempRepo()
    {
        Root = Path.Combine(Path.GetTempPath(), "tf-tests-" + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path.Combine(Root, "terraform"));
        File.WriteAllText(Path.Combine(Root, "build.cake"), "// marker\n");
        SshDir = Path.Combine(Root, "ssh");
        Directory.CreateDirectory(SshDir);
        AdminPublicKeyPath = Path.Combine(SshDir, "id_ed25519.pub");
        File.WriteAllText(AdminPublicKeyPath, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdminAdminAdminAdminAdminAdminAdminAdmin admin@example\n");
    }

    public string Root { get; }
    public string SshDir { get; }
    public string AdminPublicKeyPath { get; }
    public string Artifacts => Path.Combine(Root, "artifacts");

    /// <summary>Arguments every cloud target needs, plus overrides.</summary>
    public Dictionary<string, string> CloudArguments(params (string Key, string Value)[] overrides)
    {
        var args = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["openstack.externalNetwork"] = "public",
            ["openstack.adminCidrs"] = "203.0.113.0/24",
            ["openstack.sshPublicKeyPath"] = AdminPublicKeyPath,
            ["output"] = Artifacts,
        };
        foreach (var (k, v) in overrides) args[k] = v;
        return args;
    }

    public PlatformSettings Settings(string target, IReadOnlyDictionary<string, string>? environment = null, params (string Key, string Value)[] overrides) =>
        SettingsLoader.Load(Root, target, CloudArguments(overrides), environment ?? new Dictionary<string, string>());

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

internal static class TestEnvironments
{
    public static Dictionary<string, string> PasswordAuth() => new()
    {
        ["OS_AUTH_URL"] = "https://keystone.example.org:5000/v3",
        ["OS_USERNAME"] = "alice",
        ["OS_PASSWORD"] = "pa55-word-never-logged",
        ["OS_PROJECT_NAME"] = "platform",
        ["OS_USER_DOMAIN_NAME"] = "Default",
        ["OS_REGION_NAME"] = "RegionOne",
        ["PATH"] = System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin",
        ["HOME"] = "/nonexistent-home",
    };

    /// <summary>The process environment plus overrides (for real tools found on PATH).</summary>
    public static Dictionary<string, string> Process(params (string Key, string Value)[] overrides)
    {
        var env = System.Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "");
        foreach (var (k, v) in overrides) env[k] = v;
        return env;
    }
}

internal static class RealTools
{
    public static ToolRunner Runner(RecordingLog? log = null) => new(log ?? new RecordingLog(), ToolLocator.FromProcess());

    public static void Require(ToolInfo tool)
    {
        if (ToolLocator.FromProcess().Find(tool) is null && !File.Exists("/usr/bin/" + tool.Executable))
            Assert.Fail($"{tool.Name} is not installed; CI installs it ({tool.InstallHint}).");
    }
}
