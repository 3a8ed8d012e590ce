using Newtonsoft.Json.Linq;
using Platform.Build.GitOps;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>
/// The rendered Argo CD objects (kubectl kustomize argocd/root and argocd/apps): schema-valid, isolated per environment,
/// pinned, without wildcards. Every rule has a mutation that must make its check report.
/// </summary>
public sealed class ArgoCdTests
{
    [Test]
    public void Root_and_apps_render_the_expected_tree()
    {
        Assert.That(Root.Select(o => o.Id), Is.EquivalentTo(new[]
        {
            "AppProject/argocd/default", "AppProject/argocd/platform", "AppProject/argocd/env-dev", "AppProject/argocd/env-test",
            "AppProject/argocd/env-acc", "Application/argocd/platform-root",
        }));
        var apps = Apps.Where(o => o.Kind == "Application").Select(o => o.Name);
        Assert.That(apps, Is.EquivalentTo(new[]
        {
            "addon-kyverno", "addon-cinder-csi", "addon-cert-manager", "addon-cert-manager-issuers", "addon-traefik", "kyverno-policies",
            "guardrails-dev", "guardrails-test", "guardrails-acc", "env-dev", "env-test", "env-acc",
        }));
        Assert.That(Argo.Where(o => o.Kind != "Application" && o.Kind != "AppProject"), Is.Empty, "only Argo CD objects; the source ConfigMap is local-config");
        Assert.That((string?)Find(Root, "Application", "platform-root").At("spec.source.path"), Is.EqualTo("argocd/apps"));
    }

    [Test]
    public void Every_rendered_object_validates_against_its_CRD_schema()
    {
        RequireSchemas();
        Assert.That(Argo.SelectMany(SchemaErrors), Is.Empty);
    }

    [Test]
    public void The_schema_check_rejects_an_unknown_field()
    {
        RequireSchemas();
        var app = Copy([Find(Apps, "Application", "env-dev")])[0];
        ((JObject)app.Body["spec"]!["syncPolicy"]!)["automatic"] = new JObject { ["prune"] = true };
        Assert.That(SchemaErrors(app), Is.Not.Empty);
    }

    [Test]
    public void The_optional_local_path_add_on_renders_pinned_and_valid_when_enabled()
    {
        RequireSchemas();
        var root = TempCopy("argocd");
        try
        {
            var kustomization = Path.Combine(root, "argocd", "apps", "kustomization.yaml");
            File.WriteAllText(kustomization, File.ReadAllText(kustomization).Replace("# - ../optional/", "- ../optional/"));
            var rendered = ManifestRenderer.Render(Path.Combine(root, "argocd", "apps"));
            Assert.That(rendered.Select(o => o.Name), Does.Contain("addon-local-path"));
            Assert.That(ArgoCdChecks.PinnedRevisions(rendered), Is.Empty);
            Assert.That(rendered.SelectMany(SchemaErrors), Is.Empty);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Test]
    public void Each_environment_is_isolated_in_its_own_project() =>
        Assert.That(ArgoCdChecks.EnvironmentIsolation(Argo, EnvNames), Is.Empty);

    [Test]
    public void Every_Application_is_pinned_and_none_uses_HEAD() =>
        Assert.That(ArgoCdChecks.PinnedRevisions(Argo), Is.Empty);

    [Test]
    public void No_AppProject_uses_wildcards() =>
        Assert.That(ArgoCdChecks.ProjectWildcards(Argo), Is.Empty);

    [Test]
    public void Dev_and_test_sync_automatically_and_acc_only_by_hand_inside_its_window() =>
        Assert.That(ArgoCdChecks.SyncPolicies(Argo, EnvNames), Is.Empty);

    [Test]
    public void The_default_project_can_deploy_nothing()
    {
        var project = Find(Argo, "AppProject", "default");
        Assert.Multiple(() =>
        {
            Assert.That(project.At("spec.sourceRepos"), Is.Empty);
            Assert.That(project.At("spec.destinations"), Is.Empty);
            Assert.That(project.At("spec.clusterResourceWhitelist"), Is.Empty);
            Assert.That(Argo.Where(o => o.Kind == "Application" && (string?)o.At("spec.project") == "default"), Is.Empty);
        });
    }

    [Test]
    public void Sync_waves_put_projects_first_then_Kyverno_and_cert_manager_then_policies_and_issuers_then_guardrails_then_environments()
    {
        int Wave(string kind, string name) => int.Parse((string?)Find(Argo, kind, name).At("metadata.annotations['argocd.argoproj.io/sync-wave']") ?? "0");
        Assert.That(Wave("AppProject", "env-dev"), Is.LessThan(Wave("Application", "addon-kyverno")));
        Assert.That(Wave("Application", "addon-kyverno"), Is.LessThan(Wave("Application", "kyverno-policies")));
        Assert.That(Wave("Application", "kyverno-policies"), Is.LessThan(Wave("Application", "guardrails-dev")));
        Assert.That(Wave("Application", "addon-cert-manager"), Is.LessThan(Wave("Application", "addon-cert-manager-issuers")));
        Assert.That(Wave("Application", "addon-cert-manager-issuers"), Is.LessThan(Wave("Application", "env-test")));
        foreach (var env in EnvNames)
            Assert.That(Wave("Application", "guardrails-" + env), Is.LessThan(Wave("Application", "env-" + env)));
    }

    [Test]
    public void Every_Application_diffs_server_side_and_applies_server_side() =>
        Assert.That(ArgoCdChecks.ServerSideOptions(Argo), Is.Empty);

    [Test]
    public void The_guardrails_of_each_environment_are_platform_owned_and_self_heal() =>
        Assert.That(ArgoCdChecks.GuardrailApplications(Argo, EnvNames), Is.Empty);

    [Test]
    public void The_platform_applications_deploy_exactly_their_folder() =>
        Assert.That(ArgoCdChecks.PlatformSources(Argo), Is.Empty);

    [Test]
    public void All_Argo_CD_cross_checks_pass() =>
        Assert.That(ArgoCdChecks.All(Argo, EnvNames), Is.Empty);

    [Test]
    public void Helm_add_ons_take_their_values_from_files_in_this_repository()
    {
        foreach (var app in Argo.Where(o => o.Kind == "Application" && o.At("spec.sources") is not null))
        {
            var valueFiles = app.At("spec.sources[0].helm.valueFiles")!.Values<string>().ToList();
            Assert.That(valueFiles, Has.Count.EqualTo(1), app.Name);
            Assert.That(valueFiles[0], Does.StartWith("$values/"), app.Name);
            Assert.That(File.Exists(Repo.PathOf(valueFiles[0]!["$values/".Length..])), app.Name + ": " + valueFiles[0]);
        }
    }

    [Test]
    public void Argo_CD_settings_have_least_privilege_roles_SSO_from_a_Secret_and_notifications() =>
        Assert.That(ArgoCdRbac.Check(File.ReadAllText(Repo.PathOf(GitOpsConfiguration.ArgoCdValuesFile))), Is.Empty);

    [TestCase("p, role:deployer-dev, applications, sync, env-acc/*, allow", "only platform admins sync acc")]
    [TestCase("p, role:deployer-test, applications, delete, env-test/*, allow", "deployers may only get and sync")]
    [TestCase("p, role:deployer-dev, applications, sync, env-test/*, allow", "act on env-dev only")]
    [TestCase("p, role:auditor, applications, sync, */*, allow", "auditors are read-only")]
    [TestCase("p, role:minimal, applications, get, */*, allow", "must not be granted anything")]
    [TestCase("p, role:deployer-dev, projects, get, *, allow", "applications and their logs only")]
    public void A_widened_RBAC_role_is_reported(string extraLine, string expected)
    {
        var values = File.ReadAllText(Repo.PathOf(GitOpsConfiguration.ArgoCdValuesFile))
            .Replace("      g, platform-auditors, role:auditor\n", "      g, platform-auditors, role:auditor\n      " + extraLine + "\n");
        Assert.That(ArgoCdRbac.Check(values), Has.Some.Contains(expected));
    }

    [Test]
    public void An_OIDC_client_secret_in_the_values_is_reported()
    {
        var values = File.ReadAllText(Repo.PathOf(GitOpsConfiguration.ArgoCdValuesFile))
            .Replace("clientSecret: $argocd-oidc:clientSecret", "clientSecret: s3cr3t-in-git");
        Assert.That(ArgoCdRbac.Check(values), Has.One.Contains("clientSecret"));
    }

    /// <summary>A mutation of the rendered objects and the finding it must cause.</summary>
    public sealed record Mutation(string Name, Action<List<ManifestObject>> Apply, string Expected)
    {
        public override string ToString() => Name;
    }

    private static JObject Spec(List<ManifestObject> o, string kind, string name) => (JObject)Find(o, kind, name).Body["spec"]!;

    public static IEnumerable<Mutation> IsolationMutations() =>
    [
        new("env-dev targets namespace test", o => Spec(o, "Application", "env-dev")["destination"]!["namespace"] = "test", "targets namespace 'test'"),
        new("env-dev uses the platform project", o => Spec(o, "Application", "env-dev")["project"] = "platform", "not its own project"),
        new("env-test targets another cluster", o => Spec(o, "Application", "env-test")["destination"]!["server"] = "https://other:6443", "in-cluster server"),
        new("env-acc deploys the whole overlay", o => Spec(o, "Application", "env-acc")["source"]!["path"] = "k8s/overlays/acc", "not k8s/overlays/acc/app"),
        new("env-test project also allows acc", o => ((JArray)Spec(o, "AppProject", "env-test")["destinations"]!).Add(
            new JObject { ["server"] = ArgoCdChecks.InClusterServer, ["namespace"] = "acc" }), "exactly one destination"),
        new("env-dev project allows a second repository", o => ((JArray)Spec(o, "AppProject", "env-dev")["sourceRepos"]!).Add("https://github.com/x/y.git"), "only this repository"),
        new("env-acc project allows Namespaces", o => Spec(o, "AppProject", "env-acc")["clusterResourceWhitelist"] = new JArray(
            new JObject { ["group"] = "", ["kind"] = "Namespace" }), "cluster-scoped"),
        new("env-acc project no longer blacklists NetworkPolicy", o => Spec(o, "AppProject", "env-acc")["namespaceResourceBlacklist"] = new JArray(
            new JObject { ["group"] = "", ["kind"] = "ResourceQuota" }, new JObject { ["group"] = "", ["kind"] = "LimitRange" }), "does not blacklist NetworkPolicy"),
        new("the env-dev project is missing", o => o.Remove(Find(o, "AppProject", "env-dev")), "AppProject env-dev is missing"),
        new("another app uses env-test's project", o => Spec(o, "Application", "addon-traefik")["project"] = "env-test", "also uses project env-test"),
        new("env-dev project accepts apps from any namespace", o => Spec(o, "AppProject", "env-dev")["sourceNamespaces"] = new JArray("team-*"), "sourceNamespaces"),
    ];

    [TestCaseSource(nameof(IsolationMutations))]
    public void Environment_isolation_reports(Mutation mutation) => AssertReports(mutation, o => ArgoCdChecks.EnvironmentIsolation(o, EnvNames));

    public static IEnumerable<Mutation> PinningMutations() =>
    [
        new("env-acc on HEAD", o => Spec(o, "Application", "env-acc")["source"]!["targetRevision"] = "HEAD", "not pinned"),
        new("env-dev without a revision", o => ((JObject)Spec(o, "Application", "env-dev")["source"]!).Remove("targetRevision"), "not pinned"),
        new("guardrails-test still has the placeholder", o => Spec(o, "Application", "guardrails-test")["source"]!["repoURL"] = ArgoCdChecks.Placeholder, "repoURL is not set"),
        new("kyverno chart on a range", o => Spec(o, "Application", "addon-kyverno")["sources"]![0]!["targetRevision"] = "3.8.*", "not an exact version"),
        new("traefik chart on a caret range", o => Spec(o, "Application", "addon-traefik")["sources"]![0]!["targetRevision"] = "^39.0.0", "not an exact version"),
    ];

    [TestCaseSource(nameof(PinningMutations))]
    public void Pinned_revisions_report(Mutation mutation) => AssertReports(mutation, ArgoCdChecks.PinnedRevisions);

    public static IEnumerable<Mutation> WildcardMutations() =>
    [
        new("platform sources from anywhere", o => ((JArray)Spec(o, "AppProject", "platform")["sourceRepos"]!).Add("*"), "sourceRepos entry '*'"),
        new("platform deploys to any namespace", o => Spec(o, "AppProject", "platform")["destinations"]![0]!["namespace"] = "*", "destination namespace '*'"),
        new("env-dev deploys to any server", o => Spec(o, "AppProject", "env-dev")["destinations"]![0]!["server"] = "*", "destination server '*'"),
        new("platform allows every cluster kind", o => ((JArray)Spec(o, "AppProject", "platform")["clusterResourceWhitelist"]!).Add(
            new JObject { ["group"] = "*", ["kind"] = "*" }), "clusterResourceWhitelist group '*'"),
        new("env-test whitelists namespaced kinds by pattern", o => Spec(o, "AppProject", "env-test")["namespaceResourceWhitelist"] = new JArray(
            new JObject { ["group"] = "apps", ["kind"] = "*" }), "namespaceResourceWhitelist kind '*'"),
    ];

    [TestCaseSource(nameof(WildcardMutations))]
    public void Project_wildcards_report(Mutation mutation) => AssertReports(mutation, ArgoCdChecks.ProjectWildcards);

    public static IEnumerable<Mutation> SyncMutations() =>
    [
        new("acc syncs automatically", o => Spec(o, "Application", "env-acc")["syncPolicy"]!["automated"] = new JObject { ["prune"] = true }, "must not sync automatically"),
        new("acc project without a window", o => ((JObject)Spec(o, "AppProject", "env-acc")).Remove("syncWindows"), "allow sync window"),
        new("dev without self-heal", o => Spec(o, "Application", "env-dev")["syncPolicy"]!["automated"]!["selfHeal"] = false, "prune and selfHeal"),
        new("acc prunable by the root", o => ((JObject)Find(o, "Application", "env-acc").Body["metadata"]!["annotations"]!).Remove("argocd.argoproj.io/sync-options"), "Prune=false"),
        new("acc window names another application", o => Spec(o, "AppProject", "env-acc")["syncWindows"]![0]!["applications"] = new JArray("env-ac"), "applies to env-acc"),
        new("acc window turned into a deny window", o => Spec(o, "AppProject", "env-acc")["syncWindows"]![0]!["kind"] = "deny", "allow sync window"),
    ];

    [Test]
    public void A_window_may_name_acc_by_namespace_or_pattern()
    {
        var objects = Copy(Argo);
        var window = (JObject)Spec(objects, "AppProject", "env-acc")["syncWindows"]![0]!;
        window.Remove("applications");
        window["namespaces"] = new JArray("acc");
        Assert.That(ArgoCdChecks.SyncPolicies(objects, EnvNames), Is.Empty, "by namespace");
        window.Remove("namespaces");
        window["applications"] = new JArray("env-a*");
        Assert.That(ArgoCdChecks.SyncPolicies(objects, EnvNames), Is.Empty, "by pattern");
    }

    public static IEnumerable<Mutation> GuardrailMutations() =>
    [
        new("guardrails-dev deploys test's guardrails", o => Spec(o, "Application", "guardrails-dev")["source"]!["path"] = "k8s/overlays/test/guardrails", "not k8s/overlays/dev/guardrails"),
        new("guardrails-test targets namespace acc", o => Spec(o, "Application", "guardrails-test")["destination"]!["namespace"] = "acc", "targets namespace 'acc'"),
        new("guardrails-dev without automated sync", o => ((JObject)Spec(o, "Application", "guardrails-dev")["syncPolicy"]!).Remove("automated"), "must sync automatically"),
        new("guardrails-acc automated sync disabled", o => Spec(o, "Application", "guardrails-acc")["syncPolicy"]!["automated"]!["enabled"] = false, "must sync automatically"),
        new("guardrails-test prunes", o => Spec(o, "Application", "guardrails-test")["syncPolicy"]!["automated"]!["prune"] = true, "must not prune"),
        new("guardrails-acc in the acc project", o => Spec(o, "Application", "guardrails-acc")["project"] = "env-acc", "not platform"),
        new("guardrails-acc prunable by the root", o => ((JObject)Find(o, "Application", "guardrails-acc").Body["metadata"]!["annotations"]!).Remove("argocd.argoproj.io/sync-options"), "Prune=false"),
        new("guardrails-acc on another revision than env-acc", o => Spec(o, "Application", "guardrails-acc")["source"]!["targetRevision"] = "v9.9.9", "move together"),
        new("guardrails-test is missing", o => o.Remove(Find(o, "Application", "guardrails-test")), "guardrails-test is missing"),
    ];

    [TestCaseSource(nameof(GuardrailMutations))]
    public void Guardrail_applications_report(Mutation mutation) => AssertReports(mutation, o => ArgoCdChecks.GuardrailApplications(o, EnvNames));

    public static IEnumerable<Mutation> PlatformSourceMutations() =>
    [
        new("kyverno-policies deploys a subfolder", o => Spec(o, "Application", "kyverno-policies")["source"]!["path"] = "kyverno/disallow-latest-tag", "exactly path 'kyverno'"),
        new("kyverno-policies deploys the repository root", o => Spec(o, "Application", "kyverno-policies")["source"]!["path"] = ".", "exactly path 'kyverno'"),
        new("kyverno-policies in an environment project", o => Spec(o, "Application", "kyverno-policies")["project"] = "env-dev", "not platform"),
    ];

    [TestCaseSource(nameof(PlatformSourceMutations))]
    public void Platform_sources_report(Mutation mutation) => AssertReports(mutation, ArgoCdChecks.PlatformSources);

    private static JObject Annotations(List<ManifestObject> o, string name) => (JObject)Find(o, "Application", name).Body["metadata"]!["annotations"]!;

    public static IEnumerable<Mutation> ServerSideMutations() =>
    [
        new("traefik applies client-side", o => ((JArray)Spec(o, "Application", "addon-traefik")["syncPolicy"]!["syncOptions"]!).Remove(
            Spec(o, "Application", "addon-traefik")["syncPolicy"]!["syncOptions"]!.First(t => (string?)t == "ServerSideApply=true")), "addon-traefik must use the sync option ServerSideApply=true"),
        new("the root applies client-side", o => Spec(o, "Application", "platform-root")["syncPolicy"]!["syncOptions"] = new JArray("CreateNamespace=false"), "platform-root must use the sync option ServerSideApply=true"),
        new("kyverno-policies diffs client-side", o => Annotations(o, "kyverno-policies").Remove("argocd.argoproj.io/compare-options"), "kyverno-policies must compare with"),
        new("env-test ignores mutating webhooks", o => Annotations(o, "env-test")["argocd.argoproj.io/compare-options"] = "ServerSideDiff=true", "env-test must compare with IncludeMutationWebhook=true"),
        new("guardrails-dev turns server-side diff off", o => Annotations(o, "guardrails-dev")["argocd.argoproj.io/compare-options"] = "ServerSideDiff=false,IncludeMutationWebhook=true", "guardrails-dev must compare with"),
    ];

    [TestCaseSource(nameof(ServerSideMutations))]
    public void Server_side_options_report(Mutation mutation) => AssertReports(mutation, ArgoCdChecks.ServerSideOptions);

    [TestCaseSource(nameof(SyncMutations))]
    public void Sync_policies_report(Mutation mutation) => AssertReports(mutation, o => ArgoCdChecks.SyncPolicies(o, EnvNames));

    private static void AssertReports(Mutation mutation, Func<IReadOnlyList<ManifestObject>, IReadOnlyList<string>> check)
    {
        var objects = Copy(Argo);
        Assert.That(check(objects), Is.Empty, "the unmutated render passes");
        mutation.Apply(objects);
        Assert.That(check(objects), Has.Some.Contains(mutation.Expected));
    }
}
