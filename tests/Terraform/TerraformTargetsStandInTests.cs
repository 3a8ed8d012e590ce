using Platform.Build.Tests.Support;
using Platform.Build.Inventory;
using Platform.Build.Logging;
using Platform.Build.Reporting;
using Platform.Build.Settings;
using Platform.Build.Tools;

namespace Platform.Build.Tests.Terraform;

/// <summary>
/// Plan, Provision and Destroy end to end with a recording stand-in for the OpenStack-bound terraform (the provider
/// cannot be downloaded here), set through PLATFORM_TOOL_TERRAFORM. ssh-keygen is real.
/// </summary>
[TestFixture]
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class TerraformTargetsStandInTests
{
    private sealed class StandIn
    {
        public StandIn(TempRepo repo, string outputJson, int planExitCode = 2, string planStderr = "")
        {
            LogFile = Path.Combine(repo.Root, "standin-calls.tsv");
            var outputFile = Path.Combine(repo.Root, "standin-output.json");
            File.WriteAllText(outputFile, outputJson);
            Script = Path.Combine(repo.Root, "terraform-standin.sh");
            Executable.Write(Script, $$"""
                #!/usr/bin/env bash
                # Recording stand-in for terraform against the OpenStack provider.
                set -euo pipefail
                log='{{LogFile}}'
                { printf 'CALL\t%s\t%s\t%s' "$PWD" "${TF_DATA_DIR:-}" "${OS_CLOUD:-}"; printf '\t%s' "$@"; printf '\n'; } >>"$log"
                case "${1:-}" in
                  plan)
                    for a in "$@"; do
                      case "$a" in
                        -out=*)
                          # Like terraform: the plan file gets the process umask (0644 here); record what others could reach.
                          (umask 022; echo "stand-in plan" >"${a#-out=}")
                          printf 'PLANFILE\t%s\t%s\n' "$(stat -c %a "$(dirname "${a#-out=}")")" "$(stat -c %a "${a#-out=}")" >>"$log" ;;
                        -var-file=*) printf 'VARFILE\t%s\t%s\n' "${a#-var-file=}" "$(stat -c %a "${a#-var-file=}")" >>"$log" ;;
                      esac
                    done
                    if [ -n '{{planStderr}}' ]; then echo '{{planStderr}}' >&2; fi
                    exit {{planExitCode}} ;;
                  apply) [ -f "${@: -1}" ] || { echo "no plan file" >&2; exit 1; } ;;
                  output) cat '{{outputFile}}' ;;
                esac
                """);
        }

        public string Script { get; }
        public string LogFile { get; }

        public IReadOnlyList<string[]> Calls => File.Exists(LogFile)
            ? File.ReadAllLines(LogFile).Where(l => l.StartsWith("CALL\t", StringComparison.Ordinal)).Select(l => l.Split('\t')[1..]).ToList()
            : [];

        /// <summary>Modes (octal) of the plan file's folder and of the plan file as terraform wrote it.</summary>
        public IReadOnlyList<string[]> PlanFiles => File.Exists(LogFile)
            ? File.ReadAllLines(LogFile).Where(l => l.StartsWith("PLANFILE\t", StringComparison.Ordinal)).Select(l => l.Split('\t')[1..]).ToList()
            : [];

        public IReadOnlyList<string[]> VarFiles => File.Exists(LogFile)
            ? File.ReadAllLines(LogFile).Where(l => l.StartsWith("VARFILE\t", StringComparison.Ordinal)).Select(l => l.Split('\t')[1..]).ToList()
            : [];
    }

    private static (Suite Suite, RecordingLog Log) CreateSuite(TempRepo repo, StandIn standIn, Dictionary<string, string> environment, string target = "Plan")
    {
        environment["PLATFORM_TOOL_TERRAFORM"] = standIn.Script;
        var settings = SettingsLoader.Load(repo.Root, target, repo.CloudArguments(), environment);
        var log = new RecordingLog();
        return (new Suite(settings, log, new ToolRunner(log, new ToolLocator(environment)), environment), log);
    }

    [Test]
    public async Task Plan_Provision_Destroy_StandIn_end_to_end()
    {
        using var repo = new TempRepo();
        var standIn = new StandIn(repo, InventoryParserTests.SampleOutput);
        var (suite, log) = CreateSuite(repo, standIn, TestEnvironments.PasswordAuth());
        var work = Path.Combine(repo.Artifacts, "terraform");
        var tfDir = Path.Combine(repo.Root, "terraform");
        // A work folder left world-readable (e.g. created by an older run) is tightened before anything goes in.
        Directory.CreateDirectory(work);
        File.SetUnixFileMode(work, (UnixFileMode)Convert.ToInt32("755", 8));

        // ---- Plan
        await suite.PlanAsync();
        var calls = standIn.Calls;
        Assert.That(calls.Select(c => c[3]), Is.EqualTo(new[] { "init", "plan" }));
        Assert.That(calls.All(c => c[0] == tfDir && c[1] == Path.Combine(work, ".terraform")), "runs in terraform/ with TF_DATA_DIR under artifacts");
        Assert.That(calls[0], Does.Contain($"-backend-config=path={work}/terraform.tfstate"));
        Assert.That(calls[1], Does.Contain($"-out={work}/platform.tfplan"));
        Assert.That(standIn.VarFiles.Select(v => (Path.GetFileName(v[0]), v[1])),
            Is.EqualTo(new[] { ("platform.tfvars.json", "644"), ("host-keys.secret.tfvars.json", "600") }));
        Assert.That(File.ReadAllText(Path.Combine(tfDir, "backend.generated.tf")), Does.Contain("backend \"local\""));
        var planFile = Path.Combine(work, "platform.tfplan");
        Assert.That(File.GetUnixFileMode(planFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
        // While terraform wrote the plan (0644 by its umask), its folder was already 0700: never readable by others.
        Assert.That(standIn.PlanFiles.Single(), Is.EqualTo(new[] { "700", "644" }));
        Assert.That(File.GetUnixFileMode(work), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute));
        string[] nodes = ["seed-cp-1", "seed-worker-1", "seed-worker-2"];
        var publicKeys = nodes.Select(n => File.ReadAllText(Path.Combine(work, "host-keys", n, "ssh_host_ed25519_key.pub")).Trim()).ToList();
        Assert.That(publicKeys, Has.All.StartWith("ssh-ed25519 "));
        Assert.That(File.ReadAllText(Path.Combine(work, "platform.tfvars.json")), Does.Contain(publicKeys[1]));
        var privateKey = File.ReadAllText(Path.Combine(work, "host-keys", "seed-cp-1", "ssh_host_ed25519_key"));
        Assert.That(File.ReadAllText(Path.Combine(work, "host-keys.secret.tfvars.json")), Does.Contain(privateKey.Split('\n')[1]));
        Assert.That(suite.Summary.Rows.Select(r => r.Subject), Does.Contain("terraform plan").And.Contain("SSH host keys").And.Contain("OpenStack credentials"));

        // ---- Provision
        await suite.ProvisionAsync();
        calls = standIn.Calls;
        Assert.That(calls.Select(c => c[3]), Is.EqualTo(new[] { "init", "plan", "apply", "output" }));
        Assert.That(calls[2][^1], Is.EqualTo(planFile));
        Assert.That(calls[3][3..], Is.EqualTo(new[] { "output", "-json", "-no-color" }));
        Assert.That(File.Exists(planFile), Is.False, "an applied plan is removed");
        var inventory = ClusterInventory.Load(Path.Combine(repo.Artifacts, ClusterInventory.FileName));
        Assert.That(inventory.ControlPlane.PrivateIp, Is.EqualTo("10.20.0.10"));
        Assert.That(inventory.SshEntry.Host, Is.EqualTo("203.0.113.10"));
        var cloudConf = Path.Combine(work, "csi-cloud.conf");
        Assert.That(File.ReadAllText(cloudConf), Does.Contain("csi-app-cred-secret-xyz"));
        Assert.That(File.GetUnixFileMode(cloudConf), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));

        // ---- Destroy: same var files, same pinned keys (not regenerated)
        await suite.DestroyAsync();
        calls = standIn.Calls;
        Assert.That(calls.Select(c => c[3]), Is.EqualTo(new[] { "init", "plan", "apply", "output", "init", "destroy" }));
        Assert.That(calls[5][3..], Is.EqualTo(new[]
        {
            "destroy", "-input=false", "-no-color", "-auto-approve", $"-var-file={work}/platform.tfvars.json", $"-var-file={work}/host-keys.secret.tfvars.json",
        }));
        Assert.That(nodes.Select(n => File.ReadAllText(Path.Combine(work, "host-keys", n, "ssh_host_ed25519_key.pub")).Trim()), Is.EqualTo(publicKeys));
        Assert.That(File.Exists(cloudConf), Is.False);

        // Nothing secret reached the log or the summary.
        var text = log.Text + string.Join('\n', suite.Summary.Rows.Select(r => r.Detail));
        Assert.That(text, Does.Not.Contain("csi-app-cred-secret-xyz").And.Not.Contain("pa55-word-never-logged").And.Not.Contain(privateKey.Split('\n')[2]));
    }

    [Test]
    public async Task Application_credential_login_StandIn_warns_and_still_plans()
    {
        using var repo = new TempRepo();
        var standIn = new StandIn(repo, "{}");
        var env = TestEnvironments.PasswordAuth();
        foreach (var k in new[] { "OS_USERNAME", "OS_PASSWORD", "OS_USER_DOMAIN_NAME", "OS_PROJECT_NAME" }) env.Remove(k);
        env["OS_APPLICATION_CREDENTIAL_ID"] = "app-cred-id";
        env["OS_APPLICATION_CREDENTIAL_SECRET"] = "app-cred-secret-never-logged";
        var (suite, log) = CreateSuite(repo, standIn, env);
        await suite.PlanAsync();
        Assert.That(standIn.Calls.Select(c => c[3]), Is.EqualTo(new[] { "init", "plan" }), "an unrestricted application credential works, so Plan goes on");
        Assert.That(log.Lines, Has.One.StartsWith("WARN").And.Contain("--unrestricted").And.Contain("Cinder CSI"));
        Assert.That(suite.Summary.Rows.Single(r => r.Subject == "OpenStack credentials").Status, Is.EqualTo(StepStatus.Warning));
        Assert.That(log.Text, Does.Not.Contain("app-cred-secret-never-logged"));
    }

    [Test]
    public void Missing_credentials_StandIn_never_runs()
    {
        using var repo = new TempRepo();
        var standIn = new StandIn(repo, "{}");
        var env = TestEnvironments.PasswordAuth();
        env.Remove("OS_PASSWORD");
        var (suite, _) = CreateSuite(repo, standIn, env);
        var e = Assert.ThrowsAsync<SettingsException>(() => suite.PlanAsync())!;
        Assert.That(e.Errors.Single().Key, Is.EqualTo("OS_PASSWORD"));
        Assert.That(standIn.Calls, Is.Empty);
        Assert.That(Directory.Exists(Path.Combine(repo.Artifacts, "terraform", "host-keys")), Is.False, "nothing half-done");
        Assert.ThrowsAsync<SettingsException>(() => suite.DestroyAsync());
        Assert.That(standIn.Calls, Is.Empty);
    }

    [TestCase("openstack.adminCidrs", "0.0.0.0/0")]
    [TestCase("network.podCidr", "10.20.0.0/16")]
    [TestCase("openstack.externalNetwork", "")]
    public void Bad_settings_StandIn_stop_before_any_tool(string key, string value)
    {
        using var repo = new TempRepo();
        var standIn = new StandIn(repo, "{}");
        var env = TestEnvironments.PasswordAuth();
        env["PLATFORM_TOOL_TERRAFORM"] = standIn.Script;
        // What Suite.Create does for build.cake: load (and check) the settings first.
        var e = Assert.Throws<SettingsException>(() => SettingsLoader.Load(repo.Root, "Plan", repo.CloudArguments((key, value)), env))!;
        Assert.That(e.Errors.Select(x => x.Key), Does.Contain(key));
        Assert.That(standIn.Calls, Is.Empty);
    }

    [Test]
    public void Provision_without_a_plan_StandIn_asks_for_Plan()
    {
        using var repo = new TempRepo();
        var standIn = new StandIn(repo, "{}");
        var (suite, _) = CreateSuite(repo, standIn, TestEnvironments.PasswordAuth(), "Provision");
        var e = Assert.ThrowsAsync<FileNotFoundException>(() => suite.ProvisionAsync())!;
        Assert.That(e.Message, Does.Contain("--target=Plan"));
        Assert.That(standIn.Calls, Is.Empty);
    }

    [Test]
    public void Failing_plan_StandIn_reports_stderr_redacted()
    {
        using var repo = new TempRepo();
        var standIn = new StandIn(repo, "{}", planExitCode: 1, planStderr: "Error: auth failed for password pa55-word-never-logged");
        var (suite, log) = CreateSuite(repo, standIn, TestEnvironments.PasswordAuth());
        var e = Assert.ThrowsAsync<ToolFailedException>(() => suite.PlanAsync())!;
        Assert.That(e.Message, Does.Contain("auth failed").And.Not.Contain("pa55-word-never-logged"));
        Assert.That(log.Text, Does.Not.Contain("pa55-word-never-logged"));
        Assert.That(suite.Summary.Rows.Any(r => r.Subject == "terraform plan"), Is.False);
    }

    [Test]
    public async Task Remote_backend_StandIn_gets_backend_file_and_config()
    {
        using var repo = new TempRepo();
        var standIn = new StandIn(repo, "{}", planExitCode: 0);
        var env = TestEnvironments.PasswordAuth();
        env["PLATFORM_TERRAFORM_BACKEND"] = "s3";
        env["PLATFORM_TERRAFORM_BACKENDCONFIG"] = "bucket=state,key=seed.tfstate";
        var (suite, _) = CreateSuite(repo, standIn, env);
        await suite.PlanAsync();
        Assert.That(File.ReadAllText(Path.Combine(repo.Root, "terraform", "backend.generated.tf")), Does.Contain("backend \"s3\" {}"));
        Assert.That(standIn.Calls[0][3..], Is.EqualTo(new[] { "init", "-input=false", "-no-color", "-reconfigure", "-backend-config=bucket=state", "-backend-config=key=seed.tfstate" }));
        Assert.That(suite.Summary.Rows.Single(r => r.Subject == "terraform plan").Detail, Does.StartWith("no changes"));
        Assert.That(suite.Summary.Rows.All(r => r.Status == StepStatus.Passed));
    }
}
