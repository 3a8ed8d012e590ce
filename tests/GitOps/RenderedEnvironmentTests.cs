using Platform.Build.GitOps;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;
using static Platform.Build.Tests.GitOps.GitOpsTestSupport;

namespace Platform.Build.Tests.GitOps;

/// <summary>
/// The real environments (k8s/overlays/&lt;env&gt;, written by the Environments area) against the Kyverno policies'
/// offline twins and what the Argo CD projects allow.
/// </summary>
public sealed class RenderedEnvironmentTests
{
    public static IEnumerable<string> EnvironmentNames() => LoadSettings().GetList(Platform.Build.Settings.SettingsCatalog.EnvironmentsKey);

    /// <summary>Every environment in the settings has an overlay; a missing one is a failure, not a skip.</summary>
    private static void RequireOverlay(string env, string overlay) =>
        Assert.That(File.Exists(Path.Combine(overlay, "kustomization.yaml")), Is.True,
            $"k8s/overlays/{env}/kustomization.yaml is missing, but '{env}' is in the environments setting.");

    [TestCaseSource(nameof(EnvironmentNames))]
    public void The_rendered_environment_satisfies_the_Kyverno_policies_and_its_Argo_CD_projects(string env)
    {
        var overlay = Repo.PathOf("k8s", "overlays", env);
        RequireOverlay(env, overlay);
        foreach (var part in new[] { "app", "guardrails" })
            Assert.That(File.Exists(Path.Combine(overlay, part, "kustomization.yaml")),
                $"k8s/overlays/{env}/{part}/kustomization.yaml is missing: the {(part == "app" ? "env-" + env : "guardrails-" + env)} Application deploys that path.");

        var render = new EnvironmentRender(env, ManifestRenderer.Render(overlay),
            ManifestRenderer.Render(Path.Combine(overlay, "app")), ManifestRenderer.Render(Path.Combine(overlay, "guardrails")));
        var registries = LoadSettings().GetList("images.allowedRegistries");

        var audits = PolicyChecks.Check(render.Complete, registries, env).Where(v => v.Action == PolicyAction.Audit).ToList();
        if (audits.Count > 0) TestContext.Out.WriteLine($"{env}: Kyverno would report (Audit): \n  " + string.Join("\n  ", audits));
        // Git carries a digest slot for acc that the resolve step fills before deploy (digests are never invented);
        // until then Kyverno would deny acc, which is the point of the policy. Report it, fail on everything else.
        var unresolved = EnvironmentChecks.UnresolvedDigests(render, registries);
        if (unresolved.Count > 0)
            TestContext.Out.WriteLine($"{env}: images to pin by digest before deploy (Kyverno denies them until then):\n  " + string.Join("\n  ", unresolved));
        Assert.That(EnvironmentChecks.Check(render, registries, digestsResolvedAtDeploy: true), Is.Empty);
    }

    [TestCaseSource(nameof(EnvironmentNames))]
    public async Task The_policy_CEL_admits_every_object_of_the_rendered_environment(string env)
    {
        var overlay = Repo.PathOf("k8s", "overlays", env);
        RequireOverlay(env, overlay);
        var denials = await CelPolicyTests.DenialsAsync(ManifestRenderer.Render(overlay), env);
        // acc's digest slot is filled by the resolve step before deploy (see the other test); everything else must pass.
        var pending = denials.Where(d => d.StartsWith(PolicyChecks.RequireImageDigest + ":", StringComparison.Ordinal)).ToList();
        if (pending.Count > 0) TestContext.Out.WriteLine($"{env}: to pin by digest before deploy: {string.Join(", ", pending)}");
        Assert.That(denials.Except(pending), Is.Empty);
    }
}
