using System.Diagnostics;
using Platform.Build.GitOps;
using Platform.Build.Reporting;
using Platform.Build.Terraform;

namespace Platform.Build;

public sealed partial class Suite
{
    /// <summary>
    /// Writes the repository URL and revisions (gitops.*) into argocd/components/gitops-source, the allowed registries
    /// (images.allowedRegistries) into the Kyverno registry policy and Argo CD's host name into its Helm values.
    /// Renders everything before writing, so a bad setting changes no file.
    /// </summary>
    internal void ConfigureGitOps()
    {
        var watch = Stopwatch.StartNew();
        var changed = GitOpsConfiguration.Write(Settings);
        var source = GitOpsSource.From(Settings);
        foreach (var file in changed) Log.Info($"Configure: wrote {file}");
        Summary.Add("Configure", "GitOps files", StepStatus.Passed,
            changed.Count == 0 ? "already current" : $"updated {string.Join(", ", changed)}", watch.Elapsed);
        Summary.Add("Configure", "GitOps source", StepStatus.Passed,
            $"{source.RepoUrl} @ {source.Revision} (acc @ {source.AccRevision})");
        if (source.AccRevision == source.Revision)
        {
            Log.Warn($"acc deploys the same revision as dev and test ({source.Revision}); set gitops.accRevision to a release tag to promote deliberately.");
            Summary.Add("Configure", "acc revision", StepStatus.Warning, "same as dev/test; set gitops.accRevision to a release tag");
        }
    }

    /// <summary>
    /// The GitOps target: starts GitOps on the cluster Bootstrap wrote the kubeconfig for, with the Cinder CSI cloud.conf
    /// that Provision wrote.
    /// </summary>
    public void InstallGitOps() => Run(async () =>
    {
        if (!File.Exists(KubeconfigPath))
            throw new InvalidOperationException($"No kubeconfig at {KubeconfigPath}. Fix: run ./build.sh --target=Bootstrap first (it writes the kubeconfig).");
        var csiCloudConf = TerraformLayout.For(Settings).CsiCloudConfFile;
        string? cloudConf = null;
        if (File.Exists(csiCloudConf)) cloudConf = await File.ReadAllTextAsync(csiCloudConf).ConfigureAwait(false);
        else
        {
            Log.Warn($"{csiCloudConf} not found: Cinder CSI will not start until the Secret {GitOpsInstall.CsiSecretNamespace}/{GitOpsInstall.CsiSecretName} exists. " +
                     "Fix: run Provision (it writes the file), or create the Secret yourself (key cloud.conf).");
            Summary.Add("GitOps", "Cinder CSI cloud.conf", StepStatus.Warning, $"{csiCloudConf} not found; Secret not created");
        }
        await InstallGitOpsAsync(KubeconfigPath, cloudConf).ConfigureAwait(false);
    });

    /// <summary>
    /// Starts GitOps on a bootstrapped cluster: Argo CD, its Secrets, the Cinder CSI Secret, argocd/root, then waits for
    /// the root Application. Refuses to start from stale GitOps files, so the cluster never follows a wrong repository.
    /// </summary>
    internal async Task InstallGitOpsAsync(string kubeconfig, string? csiCloudConf = null, CancellationToken ct = default)
    {
        var stale = GitOpsConfiguration.FindStale(Settings);
        if (stale.Count > 0)
            throw new InvalidOperationException("GitOps files are stale:\n  " + string.Join("\n  ", stale));
        foreach (var step in GitOpsInstall.Plan(Settings, kubeconfig, csiCloudConf))
        {
            var watch = Stopwatch.StartNew();
            Log.Info($"GitOps: {step.Description}: {step.Command.Display()}");
            await Runner.RunAsync(step.Command, ct).ConfigureAwait(false);
            Summary.Add("GitOps", step.Description, StepStatus.Passed, "done", watch.Elapsed);
        }
    }
}
