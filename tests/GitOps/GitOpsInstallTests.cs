using Platform.Build.Tests.Support;
using Platform.Build.GitOps;
using Platform.Build.Logging;
using Platform.Build.Tools;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>Starting GitOps on a cluster: the planned commands, the Secrets from secret settings, and the run order.</summary>
public sealed class GitOpsInstallTests
{
    private const string ClientSecret = "oidc-client-Secret-93b1";

    [Test]
    public void The_plan_installs_the_pinned_Argo_CD_then_applies_the_root_and_waits_for_it()
    {
        var steps = GitOpsInstall.Plan(LoadSettings(), "/tmp/kubeconfig");
        Assert.That(steps.Select(s => s.Description), Is.EqualTo(new[]
        {
            "Argo CD (argo-cd 9.3.1)", "projects and root app-of-apps", "root app synced",
        }));
        Assert.That(steps[0].Command.Arguments, Is.SupersetOf(new[] { "upgrade", "--install", "argocd", "argo-cd", "--version", "9.3.1", "--namespace", "argocd" }));
        Assert.That(steps[0].Command.Arguments.SkipWhile(a => a != "-f").Skip(1).First(), Does.EndWith("argocd/install/values.yaml"));
        Assert.That(steps[1].Command.Arguments, Does.Contain("-k").And.Some.EndsWith("argocd/root"));
        Assert.That(steps[2].Command.Arguments, Does.Contain("--for=jsonpath={.status.sync.status}=Synced"));
    }

    [Test]
    public void Secret_settings_become_Secrets_applied_from_stdin_and_masked_in_the_command_line()
    {
        var settings = LoadSettings(environment: new() { ["PLATFORM_ARGOCD_OIDC_CLIENT_SECRET"] = ClientSecret });
        var step = GitOpsInstall.Plan(settings, "/tmp/kubeconfig").Single(s => s.Description == "Secret argocd-oidc");
        Assert.That(step.Command.StandardInput, Does.Contain("\"clientSecret\":\"" + ClientSecret + "\"").And.Contain("app.kubernetes.io/part-of"));
        Assert.That(string.Join(' ', step.Command.Arguments), Does.Not.Contain(ClientSecret));
        Assert.That(step.Command.Secrets, Is.EqualTo(new[] { ClientSecret }));
        Assert.That(Redaction.Apply("token " + ClientSecret), Does.Not.Contain(ClientSecret));
    }

    [Test]
    public void The_Cinder_CSI_cloud_conf_becomes_the_charts_Secret_before_the_root_app_with_its_credential_masked()
    {
        const string credential = "app-cred-Secret-77f0";
        var cloudConf = $"[Global]\nauth-url = https://keystone.example:5000/v3\napplication-credential-id = 4b1e\napplication-credential-secret = {credential}\n";
        var steps = GitOpsInstall.Plan(LoadSettings(), "/tmp/kubeconfig", cloudConf);
        var names = steps.Select(s => s.Description).ToList();
        var csi = steps.Single(s => s.Description.StartsWith("Secret kube-system/cloud-config", StringComparison.Ordinal));
        Assert.That(names.IndexOf(csi.Description), Is.LessThan(names.IndexOf("projects and root app-of-apps")));
        Assert.That(csi.Command.StandardInput, Does.Contain("\"namespace\":\"kube-system\"").And.Contain("\"cloud.conf\":"));
        Assert.That(string.Join(' ', csi.Command.Arguments), Does.Not.Contain(credential));
        Assert.That(csi.Command.Secrets, Does.Contain(credential), "the credential inside the file is masked on its own too");
        Assert.That(GitOpsInstall.Plan(LoadSettings(), "/tmp/kubeconfig").Select(s => s.Description), Has.None.StartsWith("Secret kube-system"),
            "without Provision's file no Secret is planned");
    }

    [Test]
    public void The_GitOps_target_without_a_kubeconfig_names_Bootstrap_and_runs_nothing()
    {
        var output = Directory.CreateTempSubdirectory("gitops-target-").FullName;
        var settings = LoadSettings(arguments: new() { ["output"] = output });
        var log = new RecordingLog();
        var suite = new Suite(settings, log, new ToolRunner(log, new ToolLocator(new Dictionary<string, string> { ["PATH"] = "/nonexistent" })), new Dictionary<string, string>());
        var error = Assert.Throws<InvalidOperationException>(suite.InstallGitOps)!;
        Assert.That(error.Message, Does.Contain("kubeconfig").And.Contain("--target=Bootstrap"));
        Assert.That(suite.Summary.Rows, Is.Empty);
    }

    [Test]
    public async Task InstallGitOps_StandIn_runs_the_steps_in_order_and_keeps_the_secret_out_of_the_log()
    {
        if (OperatingSystem.IsWindows()) Assert.Ignore("The helm and kubectl stand-ins are shell scripts.");
        var dir = Directory.CreateTempSubdirectory("gitops-standin-").FullName;
        try
        {
            var record = Path.Combine(dir, "calls.log");
            string StandIn(string name)
            {
                return Executable.Write(Path.Combine(dir, name),
                    $"#!/bin/sh\necho \"{name} $*\" >> '{record}'\nif [ \"$*\" != \"${{*%-f -}}\" ]; then cat >> '{record}'; echo >> '{record}'; fi\n");
            }
            var environment = new Dictionary<string, string> { ["PLATFORM_TOOL_HELM"] = StandIn("helm"), ["PLATFORM_TOOL_KUBECTL"] = StandIn("kubectl") };
            var settings = LoadSettings(environment: new() { ["PLATFORM_ARGOCD_OIDC_CLIENT_SECRET"] = ClientSecret });
            var log = new RecordingLog();
            var suite = new Suite(settings, log, new ToolRunner(log, new ToolLocator(environment)), environment);

            await suite.InstallGitOpsAsync("/tmp/kubeconfig");

            var calls = File.ReadAllLines(record).Where(l => l.StartsWith("helm ", StringComparison.Ordinal) || l.StartsWith("kubectl ", StringComparison.Ordinal)).ToList();
            Assert.That(calls.Select(c => string.Join(' ', c.Split(' ').Take(4))), Is.EqualTo(new[]
            {
                "helm upgrade --install argocd", "kubectl --kubeconfig /tmp/kubeconfig apply", "kubectl --kubeconfig /tmp/kubeconfig apply",
                "kubectl --kubeconfig /tmp/kubeconfig wait",
            }));
            Assert.That(File.ReadAllText(record), Does.Contain(ClientSecret), "the Secret reaches kubectl on stdin");
            Assert.That(log.Text, Does.Not.Contain(ClientSecret));
            Assert.That(suite.Summary.Rows.Select(r => r.Subject), Does.Contain("Secret argocd-oidc").And.Contain("root app synced"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void InstallGitOps_refuses_stale_GitOps_files_before_running_anything()
    {
        var root = TempCopy("argocd", "kyverno");
        try
        {
            var settings = LoadSettings(root, new() { ["gitops.repoUrl"] = "https://git.elsewhere.example/x.git" });
            var log = new RecordingLog();
            var suite = new Suite(settings, log, new ToolRunner(log, new ToolLocator(new Dictionary<string, string>())), new Dictionary<string, string>());
            var error = Assert.ThrowsAsync<InvalidOperationException>(() => suite.InstallGitOpsAsync("/tmp/kubeconfig"))!;
            Assert.That(error.Message, Does.Contain(GitOpsConfiguration.SourceFile));
            Assert.That(suite.Summary.Rows, Is.Empty);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
