using Newtonsoft.Json.Linq;
using Platform.Build.GitOps;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;

namespace Platform.Build.Tests.GitOps;

/// <summary>The add-ons' Helm values against what the platform relies on them for, each rule with mutations.</summary>
public sealed class AddOnChecksTests
{
    private static JObject KyvernoValues() =>
        YamlManifests.ParseFile(Repo.PathOf(AddOnChecks.KyvernoValuesFile)).Single().Body;

    private static JArray ExcludedByWebhook(JObject values) =>
        (JArray)values.SelectToken("config.webhooks.namespaceSelector.matchExpressions[0].values")!;

    [Test]
    public void Kyverno_webhooks_leave_out_every_namespace_the_policies_exclude() =>
        Assert.That(AddOnChecks.KyvernoWebhookScope(KyvernoValues(), PolicyChecks.SystemNamespaces), Is.Empty);

    public sealed record ValuesMutation(string Name, Action<JObject> Apply, string Expected)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<ValuesMutation> KyvernoMutations() =>
    [
        new("traefik back in the webhook scope", v => ExcludedByWebhook(v).First(t => (string?)t == "traefik").Remove(), "does not exclude traefik"),
        new("argocd back in the webhook scope", v => ExcludedByWebhook(v).First(t => (string?)t == "argocd").Remove(), "does not exclude argocd"),
        new("no namespace selector at all", v => ((JObject)v["config"]!).Remove("webhooks"), "does not exclude kube-system"),
        new("the selector turned into an In list", v => v.SelectToken("config.webhooks.namespaceSelector.matchExpressions[0]")!["operator"] = "In", "does not exclude"),
        new("an extra In expression narrows the webhooks", v => ((JArray)v.SelectToken("config.webhooks.namespaceSelector.matchExpressions")!).Add(
            new JObject { ["key"] = "kubernetes.io/metadata.name", ["operator"] = "In", ["values"] = new JArray("dev") }), "selects namespaces by name"),
    ];

    [TestCaseSource(nameof(KyvernoMutations))]
    public void A_namespace_left_in_the_Kyverno_webhook_scope_is_reported(ValuesMutation mutation)
    {
        var values = KyvernoValues();
        Assert.That(AddOnChecks.KyvernoWebhookScope(values, PolicyChecks.SystemNamespaces), Is.Empty);
        mutation.Apply(values);
        Assert.That(AddOnChecks.KyvernoWebhookScope(values, PolicyChecks.SystemNamespaces), Has.Some.Contains(mutation.Expected));
    }

    [Test]
    public void The_older_list_form_of_config_webhooks_is_read_too()
    {
        var values = KyvernoValues();
        values["config"]!["webhooks"] = new JArray(values.SelectToken("config.webhooks")!.DeepClone());
        Assert.That(AddOnChecks.KyvernoWebhookScope(values, PolicyChecks.SystemNamespaces), Is.Empty);
    }
}
