using System.Diagnostics;
using Platform.Build.GitOps;
using Platform.Build.Reporting;

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
    /// Starts GitOps on a bootstrapped cluster (for the Deploy flow): Argo CD, its Secrets, argocd/root, then waits for
    /// the root Application. Refuses to start from stale GitOps files, so the cluster never follows a wrong repository.
    /// </summary>
    internal async Task InstallGitOpsAsync(string kubeconfig, CancellationToken ct = default)
    {
        var stale = GitOpsConfiguration.FindStale(Settings);
        if (stale.Count > 0)
            throw new InvalidOperationException("GitOps files are stale:\n  " + string.Join("\n  ", stale));
        foreach (var step in GitOpsInstall.Plan(Settings, kubeconfig))
        {
            var watch = Stopwatch.StartNew();
            Log.Info($"GitOps: {step.Description}: {step.Command.Display()}");
            await Runner.RunAsync(step.Command, ct).ConfigureAwait(false);
            Summary.Add("GitOps", step.Description, StepStatus.Passed, "done", watch.Elapsed);
        }
    }
}
