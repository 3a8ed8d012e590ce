using Newtonsoft.Json.Linq;
using Platform.Build.GitOps;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

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

/// <summary>
/// Storage and TLS work on a default install: every storage class and certificate issuer the environments use is
/// provided by an enabled add-on. The real renders pass; each mutation of the add-ons or overlays must be reported.
/// </summary>
public sealed class DefaultInstallTests
{
    private static IReadOnlyList<string> Storage(IReadOnlyList<ManifestObject> argo, Func<string, JObject?>? values = null,
        IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>>? envs = null) =>
        AddOnChecks.StorageClasses(argo, values ?? ReadValues, envs ?? EnvironmentRenders);

    private static IReadOnlyList<string> Issuers(IReadOnlyList<ManifestObject> argo,
        IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>>? apps = null, IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>>? envs = null) =>
        AddOnChecks.Issuers(argo, apps ?? PlatformApps, envs ?? EnvironmentRenders);

    [Test]
    public void The_default_add_ons_provide_the_Cinder_storage_classes()
    {
        var classes = AddOnChecks.ProvidedStorageClasses(Argo, ReadValues);
        Assert.That(classes.Select(c => c.Name), Is.EquivalentTo(new[] { "csi-cinder-sc-delete", "csi-cinder-sc-retain" }));
        Assert.That(classes.Where(c => c.IsDefault).Select(c => c.Name), Is.EqualTo(new[] { "csi-cinder-sc-delete" }));
    }

    [Test]
    public void Every_storage_class_an_environment_uses_is_provided_by_an_enabled_add_on() =>
        Assert.That(Storage(Argo), Is.Empty);

    [Test]
    public void Every_issuer_an_environment_references_is_deployed_after_cert_manager()
    {
        Assert.That(EnvironmentRenders.Values.SelectMany(e => e).Any(o => o.Kind == "Ingress" && o.At("metadata.annotations['cert-manager.io/cluster-issuer']") is not null),
            "test and acc ask for TLS, so this check has something to check");
        Assert.That(Issuers(Argo), Is.Empty);
    }

    [Test]
    public void The_issuer_objects_validate_against_the_cert_manager_CRD_schemas()
    {
        RequireSchemas();
        var objects = PlatformApps["addon-cert-manager-issuers"];
        Assert.That(objects.Select(o => o.Id), Is.EquivalentTo(new[]
        {
            "ClusterIssuer/platform-selfsigned-bootstrap", "Certificate/cert-manager/platform-ca", "ClusterIssuer/platform-issuer",
        }));
        Assert.That(objects.SelectMany(SchemaErrors), Is.Empty);
        var ca = Find(objects, "Certificate", "platform-ca");
        Assert.That((bool?)ca.At("spec.isCA"), Is.True);
        Assert.That((string?)ca.At("spec.issuerRef.name"), Is.EqualTo("platform-selfsigned-bootstrap"));
        Assert.That((string?)Find(objects, "ClusterIssuer", "platform-issuer").At("spec.ca.secretName"), Is.EqualTo((string?)ca.At("spec.secretName")),
            "platform-issuer signs with the CA the bootstrap issuer made");
        Assert.That(objects.Where(o => o.Kind == "Secret"), Is.Empty, "the CA key is made in the cluster, never in Git");
    }

    [Test]
    public void The_issuer_schema_check_rejects_a_misspelt_field()
    {
        RequireSchemas();
        var issuer = Copy([Find(PlatformApps["addon-cert-manager-issuers"], "ClusterIssuer", "platform-issuer")])[0];
        issuer.Body["spec"]!["ca"]!["secret"] = "platform-ca";
        Assert.That(SchemaErrors(issuer), Is.Not.Empty);
    }

    [Test]
    public void The_local_path_fallback_passes_once_its_add_on_is_enabled()
    {
        var argo = Copy(Argo);
        var envs = EnvironmentsWith("dev", o => ClaimTemplate(o)["storageClassName"] = "local-path");
        Assert.That(Storage(argo, envs: envs), Has.Some.Contains("'local-path', which no enabled add-on creates"));
        argo.AddRange(YamlManifests.ParseFile(Repo.PathOf("argocd", "optional", "local-path", "addon-local-path.yaml")));
        Assert.That(Storage(argo, envs: envs), Is.Empty);
    }

    public sealed record Mutation(string Name, Func<Inputs, Inputs> Apply, string Expected)
    {
        public override string ToString() => Name;
    }

    /// <summary>The inputs of both checks, so a mutation can change any of them.</summary>
    public sealed record Inputs(List<ManifestObject> Argo, Func<string, JObject?> Values,
        IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>> Apps, IReadOnlyDictionary<string, IReadOnlyList<ManifestObject>> Envs);

    private static JObject ClaimTemplate(List<ManifestObject> env) =>
        (JObject)Find(env, "StatefulSet", "pg-db").Body.SelectToken("spec.volumeClaimTemplates[0].spec")!;

    private static Dictionary<string, IReadOnlyList<ManifestObject>> EnvironmentsWith(string env, Action<List<ManifestObject>> change)
    {
        var copy = EnvironmentRenders.ToDictionary(e => e.Key, e => (IReadOnlyList<ManifestObject>)Copy(e.Value));
        change((List<ManifestObject>)copy[env]);
        return copy;
    }

    private static Func<string, JObject?> ValuesWith(string file, Action<JObject> change) => path =>
    {
        var values = ReadValues(path);
        if (values is not null && path == file) change(values);
        return values;
    };

    private static Inputs WithApp(Inputs i, string app, Action<List<ManifestObject>> change)
    {
        var apps = i.Apps.ToDictionary(a => a.Key, a => (IReadOnlyList<ManifestObject>)Copy(a.Value));
        change((List<ManifestObject>)apps[app]);
        return i with { Apps = apps };
    }

    private static Inputs Without(Inputs i, string app)
    {
        i.Argo.Remove(Find(i.Argo, "Application", app));
        return i;
    }

    public static IEnumerable<Mutation> StorageMutations() =>
    [
        new("dev uses local-path without its add-on", i => i with { Envs = EnvironmentsWith("dev", o => ClaimTemplate(o)["storageClassName"] = "local-path") },
            "dev: StatefulSet/dev/pg-db volumeClaimTemplate data asks for storage class 'local-path'"),
        new("the Cinder chart's classes switched off", i => i with { Values = ValuesWith("argocd/addons/cinder-csi/values.yaml", v => v["storageClass"]!["enabled"] = false) },
            "'csi-cinder-sc-retain', which no enabled add-on creates"),
        new("the Cinder add-on removed", i => Without(i, "addon-cinder-csi"), "provided: none"),
        new("acc asks for a class with a typo", i => i with { Envs = EnvironmentsWith("acc", o => ClaimTemplate(o)["storageClassName"] = "csi-cinder-sc-retian") },
            "'csi-cinder-sc-retian'"),
        new("test relies on a default class none marks", i => i with
        {
            Envs = EnvironmentsWith("test", o => ClaimTemplate(o).Remove("storageClassName")),
            Values = ValuesWith("argocd/addons/cinder-csi/values.yaml", v => v["storageClass"]!["delete"]!["isDefault"] = false),
        }, "asks for the default storage class"),
    ];

    [TestCaseSource(nameof(StorageMutations))]
    public void A_storage_class_no_add_on_provides_is_reported(Mutation mutation)
    {
        var i = mutation.Apply(new Inputs(Copy(Argo), ReadValues, PlatformApps, EnvironmentRenders));
        Assert.That(AddOnChecks.StorageClasses(i.Argo, i.Values, i.Envs), Has.Some.Contains(mutation.Expected));
    }

    public static IEnumerable<Mutation> IssuerMutations() =>
    [
        new("cert-manager back to optional", i => Without(i, "addon-cert-manager"), "no enabled Application installs the cert-manager chart"),
        new("platform-issuer renamed", i => WithApp(i, "addon-cert-manager-issuers", o => Find(o, "ClusterIssuer", "platform-issuer").Body["metadata"]!["name"] = "ca-issuer"),
            "ClusterIssuer platform-issuer, which no platform Application deploys"),
        new("the issuers Application removed", i => i with { Apps = i.Apps.Where(a => a.Key != "addon-cert-manager-issuers").ToDictionary(a => a.Key, a => a.Value) },
            "which no platform Application deploys"),
        new("acc asks for an issuer nobody ships", i => i with
        {
            Envs = EnvironmentsWith("acc", o => Find(o, "Ingress", "wordpress").Body["metadata"]!["annotations"]!["cert-manager.io/cluster-issuer"] = "letsencrypt-prod"),
        }, "ClusterIssuer letsencrypt-prod"),
        new("test asks for a namespaced Issuer it does not have", i => i with
        {
            Envs = EnvironmentsWith("test", o =>
            {
                var annotations = (JObject)Find(o, "Ingress", "wordpress").Body["metadata"]!["annotations"]!;
                annotations.Remove("cert-manager.io/cluster-issuer");
                annotations["cert-manager.io/issuer"] = "local-ca";
            }),
        }, "Issuer test/local-ca, which the environment does not contain"),
        new("the issuers sync before cert-manager", i =>
        {
            Find(i.Argo, "Application", "addon-cert-manager-issuers").Body["metadata"]!["annotations"]!["argocd.argoproj.io/sync-wave"] = "-30";
            return i;
        }, "not after addon-cert-manager"),
        new("the issuers sync with the environments", i =>
        {
            Find(i.Argo, "Application", "addon-cert-manager-issuers").Body["metadata"]!["annotations"]!["argocd.argoproj.io/sync-wave"] = "0";
            return i;
        }, "not before env-"),
    ];

    [TestCaseSource(nameof(IssuerMutations))]
    public void An_issuer_no_add_on_provides_is_reported(Mutation mutation)
    {
        var i = mutation.Apply(new Inputs(Copy(Argo), ReadValues, PlatformApps, EnvironmentRenders));
        Assert.That(AddOnChecks.Issuers(i.Argo, i.Apps, i.Envs), Has.Some.Contains(mutation.Expected));
    }
}
