using Platform.Build.Logging;
using Platform.Build.Tests.Support;
using Platform.Build.Tools;

namespace Platform.Build.Tests.Tools;

public class ToolLayerTests
{
    [Test]
    public void Wrappers_build_argument_lists_as_data()
    {
        var env = new Dictionary<string, string?>();
        Assert.That(TerraformCli.Plan("/tf", env, "/out/plan.tfplan", ["a.tfvars.json"]).Arguments,
            Is.EqualTo(new[] { "plan", "-input=false", "-no-color", "-detailed-exitcode", "-out=/out/plan.tfplan", "-var-file=a.tfvars.json" }));
        Assert.That(TerraformCli.Plan("/tf", env, "p", []).SuccessExitCodes, Is.EquivalentTo(new[] { 0, 2 }), "exit 2 means 'changes present'");
        Assert.That(TerraformCli.Init("/tf", env, ["bucket=state"]).Arguments, Does.Contain("-backend-config=bucket=state"));
        Assert.That(TerraformCli.FormatCheck("/tf").Arguments, Is.EqualTo(new[] { "fmt", "-check", "-recursive", "-diff", "-no-color" }));
        Assert.That(Kubectl.Kustomize("k8s/overlays/dev").Arguments, Is.EqualTo(new[] { "kustomize", "k8s/overlays/dev" }));
        Assert.That(Helm.UpgradeInstall("kc", "argocd", "argo-cd", "9.1.0", "argocd", "https://charts.example", ["v.yaml"]).Arguments,
            Is.EqualTo(new[] { "upgrade", "--install", "argocd", "argo-cd", "--version", "9.1.0", "--namespace", "argocd", "--create-namespace",
                "--kubeconfig", "kc", "--wait", "--timeout=600s", "--repo", "https://charts.example", "-f", "v.yaml" }));
        Assert.That(Kubeconform.Validate("1.35.0", "/s", "x").Arguments, Does.Contain("-strict").And.Contain("/s/crds/{{.Group}}/{{.ResourceKind}}_{{.ResourceAPIVersion}}.json"));
        Assert.That(SshKeygen.Generate("/k/host", comment: "cp").Arguments, Is.EqualTo(new[] { "-q", "-t", "ed25519", "-N", "", "-C", "cp", "-f", "/k/host" }));
    }

    [Test]
    public void A_command_line_is_displayed_quoted_with_secrets_masked()
    {
        var command = new ToolCommand(KnownTools.Terraform, ["apply", "-var", "password=hunter2-secret", "two words"]) { Secrets = ["hunter2-secret"] };
        Assert.That(command.Display(), Is.EqualTo("terraform apply -var password=*** 'two words'"));
    }

    [TestCase("Terraform v1.11.4\non linux_amd64", "1.11.4")]
    [TestCase("Client Version: v1.32.4-dispatcher\nKustomize Version: v5.5.0", "1.32.4")]
    [TestCase("ShellCheck - shell script analysis tool\nversion: 0.9.0", "0.9.0")]
    [TestCase("OpenSSH_9.2p1 Debian-2+deb12u3, OpenSSL 3.0.15", "9.2.0")]
    [TestCase("yamllint 1.29.0", "1.29.0")]
    public void Versions_are_read_from_tool_banners(string banner, string version) =>
        Assert.That(ToolLocator.ParseVersion(banner), Is.EqualTo(Version.Parse(version)));

    // The runner's mechanics (exit codes, stderr tails, timeouts, versions too old) need a tool that misbehaves on
    // demand, so these tests use stand-in scripts under the tools' names; the real tools run in the Lint, Validate and
    // Terraform tests.
    private static string Script(string body) =>
        Executable.Write(Path.Combine(Path.GetTempPath(), $"tool-{Guid.NewGuid():N}.sh"), "#!/bin/sh\n" + body + "\n");

    private static (ToolRunner Runner, RecordingLog Log) RunnerWith(ToolInfo tool, string script)
    {
        var log = new RecordingLog();
        var env = new Dictionary<string, string> { [tool.PathVariable] = script, ["PATH"] = "/usr/bin:/bin" };
        return (new ToolRunner(log, new ToolLocator(env)), log);
    }

    [Test]
    public async Task A_failing_tool_StandIn_raises_with_the_redacted_command_and_the_stderr_tail()
    {
        var secret = "s3cr3t-" + Guid.NewGuid().ToString("N")[..8];
        var script = Script("for i in $(seq 1 30); do echo \"line $i\" >&2; done; echo \"token $1\" >&2; exit 3");
        var (runner, log) = RunnerWith(KnownTools.Terraform, script);
        var e = Assert.ThrowsAsync<ToolFailedException>(() => runner.RunAsync(new ToolCommand(KnownTools.Terraform, [secret]) { Secrets = [secret] }));
        Assert.That(e!.ExitCode, Is.EqualTo(3));
        Assert.That(e.CommandLine, Is.EqualTo("terraform ***"));
        Assert.That(e.StandardErrorTail, Does.Contain("token ***").And.Contain("line 30").And.Not.Contain("line 5\n"));
        Assert.That(e.Message + log.Text, Does.Not.Contain(secret));
        await Task.CompletedTask;
    }

    [Test]
    public async Task Output_of_a_tool_StandIn_is_captured_and_streamed_to_the_log()
    {
        var (runner, log) = RunnerWith(KnownTools.Kubectl, Script("echo hello; echo warn >&2"));
        var result = await runner.RunAsync(new ToolCommand(KnownTools.Kubectl, []));
        Assert.That(result.StandardOutput.Trim(), Is.EqualTo("hello"));
        Assert.That(log.Text, Does.Contain("| hello").And.Contain("! warn"));
    }

    [Test]
    public void A_tool_StandIn_that_overruns_its_timeout_is_stopped_and_reported()
    {
        var (runner, _) = RunnerWith(KnownTools.Kubectl, Script("sleep 20"));
        var e = Assert.ThrowsAsync<ToolFailedException>(() => runner.RunAsync(new ToolCommand(KnownTools.Kubectl, []) { Timeout = TimeSpan.FromMilliseconds(300) }));
        Assert.That(e!.StandardErrorTail, Does.Contain("timed out"));
    }

    [Test]
    public void Cancellation_stops_a_tool_StandIn()
    {
        var (runner, _) = RunnerWith(KnownTools.Kubectl, Script("sleep 20"));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        Assert.CatchAsync<OperationCanceledException>(() => runner.RunAsync(new ToolCommand(KnownTools.Kubectl, []), cts.Token));
    }

    [Test]
    public void A_missing_tool_names_its_install_hint()
    {
        var runner = new ToolRunner(new RecordingLog(), new ToolLocator(new Dictionary<string, string> { ["PATH"] = "/nonexistent" }));
        var e = Assert.ThrowsAsync<ToolMissingException>(() => runner.RunAsync(Helm.Template("r", "c", "1", "ns")));
        Assert.That(e!.Message, Does.Contain("helm is not installed").And.Contain("PLATFORM_TOOL_HELM"));
    }

    [Test]
    public async Task Doctor_reports_missing_too_old_and_ok_tools_StandIn()
    {
        var old = Script("echo 'Terraform v1.5.7'");
        var locator = new ToolLocator(new Dictionary<string, string> { [KnownTools.Terraform.PathVariable] = old, ["PATH"] = "/nonexistent" });
        Assert.That((await ToolStatus.ProbeAsync(KnownTools.Terraform, locator)).State, Is.EqualTo(ToolState.TooOld));
        Assert.That((await ToolStatus.ProbeAsync(KnownTools.Helm, locator)).State, Is.EqualTo(ToolState.Missing));
        var current = new ToolLocator(new Dictionary<string, string> { [KnownTools.Terraform.PathVariable] = Script("echo 'Terraform v1.11.4'") });
        var ok = await ToolStatus.ProbeAsync(KnownTools.Terraform, current);
        Assert.That((ok.State, ok.Version), Is.EqualTo((ToolState.Ok, new Version(1, 11, 4))));
    }

    [Test]
    public void Redaction_masks_longest_secrets_first_and_ignores_tiny_values()
    {
        Redaction.Register("abcd-1234-efgh");
        Redaction.Register("abcd");
        Redaction.Register("ab");
        Assert.That(Redaction.Apply("x abcd-1234-efgh y abcd z ab"), Is.EqualTo("x *** y *** z ab"));
    }
}
