using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Platform.Build.Settings;
using Platform.Build.Tools;

namespace Platform.Build.GitOps;

/// <summary>One step of starting GitOps: what it does, in words for the summary, and the command.</summary>
public sealed record GitOpsStep(string Description, ToolCommand Command);

/// <summary>
/// How GitOps starts on a fresh cluster: install Argo CD (pinned chart, values from Git), create the Secrets its
/// settings reference from the secret settings, apply argocd/root once, and wait until the root app-of-apps is synced.
/// From then on Argo CD deploys everything else from Git. Pure: returns the commands; <see cref="Suite"/> runs them.
/// </summary>
public static class GitOpsInstall
{
    public const string OidcSecretName = "argocd-oidc";
    public const string NotificationsSecretName = "argocd-notifications-secret";

    public static IReadOnlyList<GitOpsStep> Plan(PlatformSettings settings, string kubeconfig)
    {
        var chart = GitOpsConfiguration.ArgoCdChart;
        var steps = new List<GitOpsStep>
        {
            new($"Argo CD ({chart.Chart} {chart.Version})", Helm.UpgradeInstall(kubeconfig, chart.Release, chart.Chart, chart.Version,
                chart.Namespace, chart.Repository, [Path.Combine(settings.RepositoryRoot, chart.ValuesFile)])),
        };
        if (settings.Has("argocd.oidcClientSecret"))
            steps.Add(new($"Secret {OidcSecretName}", ApplySecret(kubeconfig, OidcSecretName, "clientSecret", settings.Get("argocd.oidcClientSecret"))));
        if (settings.Has("argocd.alertsWebhookUrl"))
            steps.Add(new($"Secret {NotificationsSecretName}",
                ApplySecret(kubeconfig, NotificationsSecretName, "platform-alerts-url", settings.Get("argocd.alertsWebhookUrl"))));
        steps.Add(new("projects and root app-of-apps",
            Kubectl.ApplyKustomize(kubeconfig, Path.Combine(settings.RepositoryRoot, GitOpsConfiguration.RootKustomization))));
        steps.Add(new("root app synced", Kubectl.Wait(kubeconfig, "application/platform-root", "jsonpath={.status.sync.status}=Synced",
            chart.Namespace, TimeSpan.FromMinutes(15))));
        return steps;
    }

    /// <summary>A Secret applied from stdin, labelled so Argo CD resolves `$name:key` references to it; the value is masked.</summary>
    public static ToolCommand ApplySecret(string kubeconfig, string name, string key, string value)
    {
        var secret = new JObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JObject
            {
                ["name"] = name,
                ["namespace"] = GitOpsConfiguration.ArgoCdChart.Namespace,
                ["labels"] = new JObject { ["app.kubernetes.io/part-of"] = "argocd" },
            },
            ["type"] = "Opaque",
            ["stringData"] = new JObject { [key] = value },
        };
        return new ToolCommand(KnownTools.Kubectl, ["--kubeconfig", kubeconfig, "apply", "--server-side", "--field-manager=platform-build", "-f", "-"])
        {
            StandardInput = secret.ToString(Formatting.None),
            Secrets = [value],
            StreamOutput = false,
        };
    }
}
