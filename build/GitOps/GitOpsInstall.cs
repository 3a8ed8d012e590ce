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
    /// <summary>The Secret the Cinder CSI chart reads (argocd/addons/cinder-csi/values.yaml: secret.name, key cloud.conf).</summary>
    public const string CsiSecretName = "cloud-config";
    public const string CsiSecretNamespace = "kube-system";

    /// <param name="csiCloudConf">Provision's cloud.conf for Cinder CSI (artifacts/terraform/csi-cloud.conf), or null.</param>
    public static IReadOnlyList<GitOpsStep> Plan(PlatformSettings settings, string kubeconfig, string? csiCloudConf = null)
    {
        var chart = GitOpsConfiguration.ArgoCdChart;
        var steps = new List<GitOpsStep>
        {
            new($"Argo CD ({chart.Chart} {chart.Version})", Helm.UpgradeInstall(kubeconfig, chart.Release, chart.Chart, chart.Version,
                chart.Namespace, chart.Repository, [Path.Combine(settings.RepositoryRoot, chart.ValuesFile)])),
        };
        var ns = chart.Namespace;
        if (settings.Has("argocd.oidcClientSecret"))
            steps.Add(new($"Secret {OidcSecretName}", ApplySecret(kubeconfig, ns, OidcSecretName, "clientSecret", settings.Get("argocd.oidcClientSecret"), ArgoCdLabels)));
        if (settings.Has("argocd.alertsWebhookUrl"))
            steps.Add(new($"Secret {NotificationsSecretName}",
                ApplySecret(kubeconfig, ns, NotificationsSecretName, "platform-alerts-url", settings.Get("argocd.alertsWebhookUrl"), ArgoCdLabels)));
        // Before the root app: the Cinder CSI add-on it deploys reads this Secret as soon as it starts.
        if (csiCloudConf is not null)
            steps.Add(new($"Secret {CsiSecretNamespace}/{CsiSecretName} (Cinder CSI cloud.conf)",
                ApplySecret(kubeconfig, CsiSecretNamespace, CsiSecretName, "cloud.conf", csiCloudConf, new Dictionary<string, string>(),
                    CloudConfSecrets(csiCloudConf))));
        steps.Add(new("projects and root app-of-apps",
            Kubectl.ApplyKustomize(kubeconfig, Path.Combine(settings.RepositoryRoot, GitOpsConfiguration.RootKustomization))));
        steps.Add(new("root app synced", Kubectl.Wait(kubeconfig, "application/platform-root", "jsonpath={.status.sync.status}=Synced",
            chart.Namespace, TimeSpan.FromMinutes(15))));
        return steps;
    }

    /// <summary>Argo CD resolves `$name:key` references only to Secrets with this label.</summary>
    private static readonly IReadOnlyDictionary<string, string> ArgoCdLabels = new Dictionary<string, string> { ["app.kubernetes.io/part-of"] = "argocd" };

    /// <summary>
    /// A Secret applied from stdin, never on the command line; the value (and any <paramref name="alsoSecret"/> part of
    /// it, such as a credential inside a config file) is masked in every log line.
    /// </summary>
    public static ToolCommand ApplySecret(string kubeconfig, string ns, string name, string key, string value,
        IReadOnlyDictionary<string, string> labels, IEnumerable<string>? alsoSecret = null)
    {
        var secret = new JObject
        {
            ["apiVersion"] = "v1",
            ["kind"] = "Secret",
            ["metadata"] = new JObject
            {
                ["name"] = name,
                ["namespace"] = ns,
                ["labels"] = JObject.FromObject(labels),
            },
            ["type"] = "Opaque",
            ["stringData"] = new JObject { [key] = value },
        };
        return new ToolCommand(KnownTools.Kubectl, ["--kubeconfig", kubeconfig, "apply", "--server-side", "--field-manager=platform-build", "-f", "-"])
        {
            StandardInput = secret.ToString(Formatting.None),
            Secrets = [value, .. alsoSecret ?? []],
            StreamOutput = false,
        };
    }

    /// <summary>The credential values inside a cloud.conf (`password = ...`, `application-credential-secret = ...`).</summary>
    internal static IEnumerable<string> CloudConfSecrets(string cloudConf) =>
        cloudConf.Split('\n')
            .Select(line => line.Split('=', 2))
            .Where(kv => kv.Length == 2 && kv[0].Trim() is "password" or "application-credential-secret")
            .Select(kv => kv[1].Trim().Trim('"'))
            .Where(v => v.Length > 0);
}
