using System.Runtime.Versioning;
using System.Text.RegularExpressions;

namespace Platform.Build.Tests.OpenStack.Lab;

/// <summary>
/// The lab keeps its own secrets: no password (admin, services, database, RabbitMQ) is ever on a command line, where
/// any local user reads it with ps, and every file it writes is readable by root only.
/// </summary>
[TestFixture, Category("OpenStackLab"), NonParallelizable, UnsupportedOSPlatform("windows")]
public sealed partial class LabHardeningTests
{
    private static string Lab => LabSetUp.Lab.Directory;

    /// <summary>The lab's passwords, read back from the files start.sh wrote.</summary>
    private static Dictionary<string, string> Secrets()
    {
        var nova = File.ReadAllText(Path.Combine(Lab, "etc", "nova.conf"));
        var secrets = new Dictionary<string, string>
        {
            ["admin"] = File.ReadAllText(Path.Combine(Lab, "admin-password")).Trim(),
            ["database"] = DatabasePassword().Match(nova).Groups[1].Value,
            ["rabbitmq"] = RabbitPassword().Match(nova).Groups[1].Value,
            ["service"] = ServicePassword().Match(nova).Groups[1].Value,
        };
        Assert.That(secrets.Values, Has.All.Length.GreaterThanOrEqualTo(16), "every secret was found in the lab's files");
        return secrets;
    }

    [GeneratedRegex(@"^connection = mysql\+pymysql://os:([^@]+)@", RegexOptions.Multiline)]
    private static partial Regex DatabasePassword();

    [GeneratedRegex(@"^transport_url = rabbit://os:([^@]+)@", RegexOptions.Multiline)]
    private static partial Regex RabbitPassword();

    [GeneratedRegex(@"^password = (\S+)$", RegexOptions.Multiline)]
    private static partial Regex ServicePassword();

    /// <summary>The command lines that carry a secret, with the secret itself replaced by its name (never printed).</summary>
    private static List<string> Leaks(IEnumerable<string> commandLines, Dictionary<string, string> secrets) =>
        commandLines.Where(c => secrets.Values.Any(s => c.Contains(s, StringComparison.Ordinal)))
            .Select(c => secrets.Aggregate(c, (line, s) => line.Replace(s.Value, $"<{s.Key} password>", StringComparison.Ordinal)))
            .Distinct().ToList();

    [Test]
    public void No_running_lab_process_has_a_password_on_its_command_line()
    {
        var running = CommandLineSampler.Snapshot();
        Assert.That(running, Has.Some.Contains("--datadir=" + Path.Combine(Lab, "mysql")), "the lab's services are among the sampled processes");
        Assert.That(running, Has.Some.Contains(Path.Combine(Lab, "etc", "neutron.conf")));
        Assert.That(Leaks(running, Secrets()), Is.Empty);
    }

    [Test]
    public void No_command_run_while_the_lab_started_had_a_password_on_its_command_line()
    {
        if (!LabSetUp.Lab.StartedHere) Assert.Ignore("The lab was reused, so its start was not observed; a fresh start (as in CI) checks it.");
        var seen = LabSetUp.Lab.StartCommandLines;
        // The sampler really watched the start: it saw the short-lived tools that used to take passwords as arguments.
        Assert.That(seen.Any(c => c.Contains("keystone-manage", StringComparison.Ordinal) && c.Contains("bootstrap", StringComparison.Ordinal)), "keystone-manage bootstrap");
        Assert.That(seen.Any(c => c.Contains("register.py", StringComparison.Ordinal)), "register.py");
        Assert.That(seen.Any(c => c.Contains("map_cell0", StringComparison.Ordinal)), "nova-manage cell_v2 map_cell0");
        Assert.That(Leaks(seen, Secrets()), Is.Empty);
    }

    [Test]
    public async Task The_sampler_sees_a_password_on_a_command_line_that_lives_half_a_second()
    {
        // The check above can fail: a short-lived process with a fake secret argument is caught.
        var secret = "fake-secret-" + Guid.NewGuid().ToString("N");
        var sampler = CommandLineSampler.Start();
        using (var process = System.Diagnostics.Process.Start("/bin/sh", ["-c", "sleep 0.5; true", secret]))
            await process.WaitForExitAsync();
        var seen = await sampler.StopAsync();
        Assert.That(Leaks(seen, new Dictionary<string, string> { ["fake"] = secret }), Has.Some.Contains("<fake password>"));
    }

    [Test]
    public void Every_file_of_the_lab_is_readable_by_its_owner_only()
    {
        const UnixFileMode groupOrOther = UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;
        // MariaDB's data folder belongs to the mysql user, who keeps group access there; it holds no lab password.
        var mysql = new[] { Path.Combine(Lab, "mysql") + "/", Path.Combine(Lab, "mysql-run") + "/" };
        var files = Directory.EnumerateFiles(Lab, "*", SearchOption.AllDirectories).ToList();
        Assert.That(files.Count(f => f.StartsWith(Path.Combine(Lab, "etc") + "/", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(8), "the configuration files were found");

        var open = files.Where(f => !mysql.Any(m => f.StartsWith(m, StringComparison.Ordinal)))
            .Where(f => (File.GetUnixFileMode(f) & groupOrOther) != 0)
            .Select(f => $"{Path.GetRelativePath(Lab, f)} {File.GetUnixFileMode(f)}").ToList();
        // MariaDB's socket keeps its 0777 (connecting needs write permission); its folder is the mysql user's alone.
        var worldReadable = files.Where(f => !f.StartsWith(mysql[1], StringComparison.Ordinal))
            .Where(f => (File.GetUnixFileMode(f) & UnixFileMode.OtherRead) != 0)
            .Select(f => Path.GetRelativePath(Lab, f)).ToList();

        Assert.That(open, Is.Empty);
        Assert.That(worldReadable, Is.Empty);
        foreach (var folder in mysql)
            Assert.That(File.GetUnixFileMode(folder.TrimEnd('/')) & (UnixFileMode.OtherRead | UnixFileMode.OtherExecute), Is.EqualTo(UnixFileMode.None), folder);
        Assert.That(File.GetUnixFileMode(Lab) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead), Is.EqualTo(UnixFileMode.None),
            "others may pass through the lab folder (MariaDB must reach its data) but not list it");
    }
}
