using Platform.Build.GitOps;
using Platform.Build.Logging;
using Platform.Build.Reporting;
using Platform.Build.Tools;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>The Configure step of the GitOps area, through the suite: writes the files, reports rows, warns on a shared acc revision.</summary>
public sealed class ConfigureGitOpsTests
{
    [Test]
    public void Configure_writes_the_source_and_warns_when_acc_follows_dev_and_test()
    {
        var root = TempCopy("argocd", "kyverno");
        try
        {
            var log = new RecordingLog();
            var settings = LoadSettings(root, new() { ["gitops.revision"] = "release-2" });
            var suite = new Suite(settings, log, new ToolRunner(log, ToolLocator.FromProcess()), new Dictionary<string, string>());

            suite.ConfigureGitOps();

            Assert.That(GitOpsConfiguration.FindStale(settings), Is.Empty);
            Assert.That(log.Text, Does.Contain("wrote " + GitOpsConfiguration.SourceFile).And.Contain("acc deploys the same revision"));
            Assert.That(suite.Summary.Rows.Select(r => (r.Subject, r.Status)),
                Does.Contain(("GitOps files", StepStatus.Passed)).And.Contain(("acc revision", StepStatus.Warning)));

            var quiet = new RecordingLog();
            var pinned = LoadSettings(root, new() { ["gitops.revision"] = "release-2", ["gitops.accRevision"] = "v2.0.0" });
            var again = new Suite(pinned, quiet, new ToolRunner(quiet, ToolLocator.FromProcess()), new Dictionary<string, string>());
            again.ConfigureGitOps();
            Assert.That(quiet.Text, Does.Not.Contain("acc deploys the same revision"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void The_SSO_and_alert_secrets_never_reach_a_file_or_the_log()
    {
        var root = TempCopy("argocd", "kyverno");
        try
        {
            const string clientSecret = "oidc-Secret-7f3a91";
            const string webhook = "https://hooks.example.net/T000/B000/xyzzy-4711";
            var settings = LoadSettings(root, new() { ["ingress.baseDomain"] = "apps.example.net" },
                new() { ["PLATFORM_ARGOCD_OIDC_CLIENT_SECRET"] = clientSecret, ["PLATFORM_ARGOCD_ALERTS_WEBHOOK_URL"] = webhook });
            Assert.That(settings.Get("argocd.oidcClientSecret"), Is.EqualTo(clientSecret));
            var log = new RecordingLog();
            new Suite(settings, log, new ToolRunner(log, ToolLocator.FromProcess()), new Dictionary<string, string>()).ConfigureGitOps();

            var written = Directory.GetFiles(root, "*", SearchOption.AllDirectories).Select(File.ReadAllText).ToList();
            Assert.That(written, Has.Some.Contains("argocd.apps.example.net"), "Configure did write");
            Assert.That(written, Has.None.Contains(clientSecret).And.None.Contains(webhook));
            Assert.That(log.Text, Does.Not.Contain(clientSecret).And.Not.Contain(webhook));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
