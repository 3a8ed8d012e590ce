using Newtonsoft.Json.Linq;
using Platform.Build.Environments;
using Platform.Build.Tests.Support;
using Platform.Build.Validation;

namespace Platform.Build.Tests.Environments;

[TestFixture]
public class RenderedOutputTests
{
    private static IEnumerable<string> Folders =>
        Rendered.Environments.SelectMany(e => new[] { $"k8s/overlays/{e}", $"k8s/overlays/{e}/app", $"k8s/overlays/{e}/guardrails" });

    [TestCaseSource(nameof(Folders))]
    public void Every_object_passes_the_kubernetes_1_35_schema_structurally(string folder)
    {
        if (!Directory.Exists(Path.Combine(Repo.SchemaDir, "kubernetes", "1.35")))
            Assert.Ignore($"No Kubernetes 1.35 schemas at {Repo.SchemaDir}; set PLATFORM_SCHEMADIR.");
        var problems = Rendered.Folder(folder).SelectMany(Schemas.Errors).ToList();
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
    }

    [Test]
    public void The_schema_check_catches_a_missing_required_field_and_an_unknown_field()
    {
        if (!Directory.Exists(Path.Combine(Repo.SchemaDir, "kubernetes", "1.35"))) Assert.Ignore("no schemas");
        var objects = Rendered.Copy("dev");
        var deployment = Rendered.Find(objects, "Deployment", "wordpress");
        ((Newtonsoft.Json.Linq.JObject)deployment.At("spec")!).Remove("selector");
        deployment.Body["spec"]!["template"]!["spec"]!["containers"]![0]!["securityContxt"] = new Newtonsoft.Json.Linq.JObject();
        var problems = Schemas.Errors(deployment);
        Assert.That(problems, Has.Some.Contains("required field 'selector'").And.Some.Contains("unknown field 'securityContxt'"));
    }

    [TestCaseSource(nameof(Folders))]
    public void The_app_and_guardrails_folders_render_their_own_halves(string folder)
    {
        var objects = Rendered.Folder(folder);
        if (folder.EndsWith("/app", StringComparison.Ordinal))
            Assert.That(objects.Select(o => o.Kind), Does.Not.Contain("Namespace").And.Not.Contain("ResourceQuota").And.Contain("StatefulSet"));
        else if (folder.EndsWith("/guardrails", StringComparison.Ordinal))
            Assert.That(objects.Select(o => o.Kind).Distinct(), Is.EquivalentTo(new[] { "Namespace", "ResourceQuota", "LimitRange", "NetworkPolicy" }));
        else
            Assert.That(objects.Select(o => o.Kind), Does.Contain("Namespace").And.Contain("StatefulSet"));
    }

    [Test]
    public void No_secret_with_data_is_in_git_or_in_any_render()
    {
        var inGit = Directory.GetFiles(Repo.PathOf("k8s"), "*.y*ml", SearchOption.AllDirectories)
            .SelectMany(f => YamlManifests.ParseFile(f))
            .Where(o => o.Kind == "Secret" || o.At("secretGenerator") is not null).Select(o => o.ToString()).ToList();
        Assert.That(inGit, Is.Empty, "Secrets are generated at deploy time, never kept in k8s/");
        foreach (var env in Rendered.Environments)
            Assert.That(Rendered.Environment(env).Where(o => o.Kind == "Secret"), Is.Empty, env);
    }

    [Test]
    public void Both_workloads_reference_the_credentials_secret_by_name()
    {
        foreach (var env in Rendered.Environments)
            foreach (var name in new[] { "wordpress", "pg-db" })
            {
                var workload = Rendered.Environment(env).Single(o => Workloads.IsWorkload(o) && o.Name == name);
                Assert.That(workload.Body.ToString(), Does.Contain("\"pg-db-credentials\""), $"{env}/{name}");
            }
    }

    [Test]
    public void Acc_must_be_pinned_by_digest_before_deploy_and_the_check_sees_a_digest()
    {
        // acc carries the requirement; its digests are slots to fill from the registry (never invented here).
        var acc = Rendered.Copy("acc");
        Assert.That(Workloads.In(acc).All(EnvironmentImages.RequiresDigests), Is.True);
        var undigested = EnvironmentImages.FindUndigested(acc);
        var withoutDigest = Workloads.In(acc).SelectMany(Workloads.Containers).Count(c => !ImageReference.Parse(c.Image).HasValidDigest);
        Assert.That(undigested, Has.Count.EqualTo(withoutDigest));
        Assert.That(undigested, Has.All.Contains("must be pinned by digest"));

        // Mutation: a digest (format only; a test value, not a real image) satisfies the check.
        foreach (var c in Workloads.In(acc).SelectMany(Workloads.Containers))
            c.Container["image"] = c.Image.Split('@')[0] + "@sha256:" + new string('0', 64);
        Assert.That(EnvironmentImages.FindUndigested(acc), Is.Empty);
        Assert.That(HardeningRules.Check(acc, Rendered.Options("acc")), Is.Empty, "a tag plus digest is still a pinned image");

        // dev and test do not require digests.
        Assert.That(EnvironmentImages.FindUndigested(Rendered.Environment("dev")), Is.Empty);
        Assert.That(EnvironmentImages.FindUndigested(Rendered.Environment("test")), Is.Empty);
    }

    [Test]
    public void The_digest_check_covers_the_whole_acc_namespace_like_the_admission_policy()
    {
        // acc with every digest filled (format only; test values, not real images).
        var acc = Rendered.Copy("acc");
        foreach (var c in Workloads.In(acc).SelectMany(Workloads.Containers))
            c.Container["image"] = c.Image.Split('@')[0] + "@sha256:" + new string('0', 64);
        Assert.That(EnvironmentImages.FindUndigested(acc), Is.Empty);

        // A workload the component does not annotate (a later backup Job) is still checked in acc, as
        // kyverno/require-image-digest checks every workload of the namespace; in dev the same Job is fine.
        acc.Add(BackupJob("acc"));
        Assert.That(EnvironmentImages.FindUndigested(acc), Has.Exactly(1).Contains("Job/acc/backup container 'backup'"));
        var dev = Rendered.Copy("dev");
        dev.Add(BackupJob("dev"));
        Assert.That(EnvironmentImages.FindUndigested(dev), Is.Empty);

        // An init container without a digest, and a digest that is not sha256 + 64 hex, are reported.
        acc = Rendered.Copy("acc");
        foreach (var c in Workloads.In(acc).SelectMany(Workloads.Containers))
            c.Container["image"] = c.Image.Split('@')[0] + "@sha256:" + new string('0', 64);
        var pod = (JObject)Rendered.Find(acc, "StatefulSet", "pg-db").At("spec.template.spec")!;
        pod["initContainers"] = new JArray(JObject.Parse("{\"name\":\"init\",\"image\":\"docker.io/library/postgres:17.2-bookworm\"}"));
        Rendered.Find(acc, "Deployment", "wordpress").At("spec.template.spec.containers[0]")!["image"] = "registry.example.org/platform/wordpress-pg:6.7.1-1@sha256:abc";
        Assert.That(EnvironmentImages.FindUndigested(acc), Has.Exactly(1).Contains("init container 'init'").And.Exactly(1).Contains("@sha256:abc"));
    }

    private static ManifestObject BackupJob(string env) => new("mutation", 1, 1, JObject.Parse("""
        {"apiVersion":"batch/v1","kind":"Job","metadata":{"name":"backup","namespace":"ENV"},
         "spec":{"template":{"spec":{"restartPolicy":"Never","containers":[{"name":"backup","image":"docker.io/library/postgres:17.2-bookworm"}]}}}}
        """.Replace("ENV", env, StringComparison.Ordinal)));

    [Test]
    public void The_probe_and_hook_commands_pass_shellcheck()
    {
        var scripts = Rendered.Environment("acc").Where(Workloads.IsWorkload).SelectMany(Workloads.Containers)
            .SelectMany(c => new[] { "startupProbe", "readinessProbe", "livenessProbe" }.Select(p => c.Container[p]?["exec"]?["command"])
                .Append(c.Container["lifecycle"]?["preStop"]?["exec"]?["command"]))
            .OfType<JArray>().Where(a => a.Count == 3 && (string?)a[1] == "-c").Select(a => (string)a[2]!).Distinct().ToList();
        Assert.That(scripts, Has.Count.GreaterThanOrEqualTo(2));
        foreach (var script in scripts)
        {
            var result = ShellcheckRun.Check(script, "sh");
            Assert.That(result, Is.Empty, $"{script}: {result}");
        }
    }
}

[TestFixture]
public class OverlayShapeTests
{
    [Test]
    public void Overlays_hold_only_kustomizations_so_nothing_is_copied_between_them()
    {
        var files = Directory.GetFiles(Repo.PathOf("k8s", "overlays"), "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(Repo.PathOf("k8s", "overlays"), f)).ToList();
        Assert.That(files.Where(f => Path.GetFileName(f) != "kustomization.yaml"), Is.Empty,
            "resources and patches shared by environments belong in k8s/base or k8s/components");
        foreach (var env in Rendered.Environments)
            Assert.That(files, Is.SupersetOf(new[] { "kustomization.yaml", "app/kustomization.yaml", "guardrails/kustomization.yaml",
                "app/images/kustomization.yaml", "app/settings/kustomization.yaml" }.Select(f => Path.Combine(env, f))));
    }
}
