using Platform.Build.Logging;
using Platform.Build.Reporting;
using Platform.Build.Settings;
using Platform.Build.Tests.Support;
using Platform.Build.Tools;

namespace Platform.Build.Tests.Targets;

/// <summary>The Validate, Lint and Test targets through the Suite, on fixtures, with the real tools.</summary>
public class SuiteTargetTests
{
    private static Suite SuiteFor(string root, Dictionary<string, string>? args = null)
    {
        var arguments = new Dictionary<string, string>(args ?? new()) { ["schemaDir"] = Repo.SchemaDir, ["output"] = Path.Combine(root, "artifacts") };
        var env = ToolLocator.FromProcess();
        var settings = SettingsLoader.Load(root, "Validate", arguments, new Dictionary<string, string>());
        var log = new RecordingLog();
        var suite = new Suite(settings, log, new ToolRunner(log, env), new Dictionary<string, string>());
        // The fixture has no environment overlays; the settings-derived files are tested with the real ones.
        suite.StalenessChecks.Clear();
        return suite;
    }

    [Test]
    public void Validate_fails_when_a_settings_derived_file_is_stale()
    {
        var root = CopyFixtureRepo();
        Directory.Delete(Path.Combine(root, "k8s", "overlays", "bad"), recursive: true);
        var suite = SuiteFor(root);
        suite.StalenessChecks.Add(_ => ["k8s/overlays/dev/app/settings is stale: run ./build.sh --target=Configure"]);
        var e = Assert.Throws<ValidationFailedException>(suite.Validate);
        Assert.That(e!.Message, Does.Contain("1 error(s)"));
        Assert.That(((RecordingLog)suite.Log).Text, Does.Contain("run ./build.sh --target=Configure"));
    }

    private static string CopyFixtureRepo()
    {
        var target = Directory.CreateTempSubdirectory("repo-").FullName;
        foreach (var file in Directory.EnumerateFiles(Repo.Fixture("Validation", "repo"), "*", SearchOption.AllDirectories))
        {
            var dest = Path.Combine(target, Path.GetRelativePath(Repo.Fixture("Validation", "repo"), file));
            Directory.CreateDirectory(Path.GetDirectoryName(dest)!);
            File.Copy(file, dest);
        }
        return target;
    }

    [Test]
    public void Validate_fails_on_a_bad_overlay_and_writes_JUnit_and_a_summary()
    {
        var root = CopyFixtureRepo();
        var suite = SuiteFor(root);
        var e = Assert.Throws<ValidationFailedException>(suite.Validate);
        Assert.That(e!.Message, Does.Contain("2 error(s)"));

        var junit = Path.Combine(root, "artifacts", "validate.junit.xml");
        Assert.That(Suite.CountJUnit(junit), Is.EqualTo((4, 2, 0)));
        Assert.That(suite.Summary.Rows.Single(r => r.Subject == "k8s/overlays/bad").Status, Is.EqualTo(StepStatus.Failed));
        Assert.That(suite.Summary.Rows.Single(r => r.Subject == "k8s/overlays/dev").Status, Is.EqualTo(StepStatus.Passed));
        Assert.That(((RecordingLog)suite.Log).Text, Does.Contain("k8s/overlays/bad (rendered): Deployment/bad/app: spec.template.spec.containers[0].imagePulPolicy: unknown field"));
    }

    [Test]
    public void Validate_passes_when_the_bad_overlay_is_fixed()
    {
        var root = CopyFixtureRepo();
        Directory.Delete(Path.Combine(root, "k8s", "overlays", "bad"), recursive: true);
        var suite = SuiteFor(root);
        Assert.DoesNotThrow(suite.Validate);
        Assert.That(suite.Summary.Rows.Where(r => r.Step == "Validate" && r.Subject.StartsWith("k8s")).Select(r => r.Status), Is.All.EqualTo(StepStatus.Passed));
    }

    [TestCase("docker.io/library/nginx:1.27.3", true)]
    [TestCase("docker.io/library/nginx:1.27.3@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", false)]
    public void Validate_warns_when_an_environment_that_requires_digests_has_an_image_without_one(string image, bool warned)
    {
        var root = CopyFixtureRepo();
        Directory.Delete(Path.Combine(root, "k8s", "overlays", "bad"), recursive: true);
        var acc = Directory.CreateDirectory(Path.Combine(root, "k8s", "overlays", "acc")).FullName;
        File.WriteAllText(Path.Combine(acc, "kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nnamespace: acc\nresources:\n- deployment.yaml\n");
        File.WriteAllText(Path.Combine(acc, "deployment.yaml"), $$"""
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
              annotations:
                {{Platform.Build.Environments.EnvironmentImages.RequireDigestsAnnotation}}: "true"
            spec:
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: web
                    image: {{image}}
            """);
        var suite = SuiteFor(root);
        Assert.DoesNotThrow(suite.Validate, "a missing digest is a warning before a deploy, not a Validate error");
        var rows = suite.Summary.Rows.Where(r => r.Subject == "acc image digests").ToList();
        Assert.That(rows.Select(r => r.Status), warned ? Is.EqualTo(new[] { StepStatus.Warning }) : Is.Empty);
    }

    [Test]
    public void Lint_plans_every_check_and_finds_every_shell_script()
    {
        var plan = Suite.LintPlan(Repo.Root);
        Assert.That(plan.Select(p => p.Name), Is.SupersetOf(new[] { "terraform fmt", "yamllint", "shellcheck", "dotnet format" }));
        var scripts = Suite.ShellScripts(Repo.Root).Select(s => Path.GetRelativePath(Repo.Root, s)).ToList();
        Assert.That(scripts, Does.Contain(Path.Combine(".ci", "run")).And.Contain("build.sh")
            .And.Contain(Path.Combine("tests", "Bootstrap", "Lab", "standins", "kubeadm")), "scripts without .sh are found by their shebang");
        Assert.That(scripts, Has.None.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}"));
    }

    [TestCase("Validate,Lint,Test", StepStatus.Warning)]
    [TestCase("GitOps", StepStatus.Failed)]
    public void Doctor_marks_a_missing_tool_failed_only_when_a_selected_target_requires_it(string targets, StepStatus expected)
    {
        var missingHelm = new ToolStatus(KnownTools.Helm, null, null, ToolState.Missing);
        Assert.That(Suite.DoctorStatus(missingHelm, targets.Split(',')), Is.EqualTo(expected));
        Assert.That(Suite.DoctorStatus(new ToolStatus(KnownTools.Trivy, null, null, ToolState.Missing), targets.Split(',')), Is.EqualTo(StepStatus.Skipped),
            "an optional tool is never a failure");
    }

    [TestCase("#!/bin/sh", true)]
    [TestCase("#!/usr/bin/env bash", true)]
    [TestCase("#!/bin/bash -eu", true)]
    [TestCase("#!/usr/bin/env python3", false)]
    [TestCase("#!/usr/bin/env pwsh", false)]
    [TestCase("echo no shebang", false)]
    public void Shell_scripts_without_an_extension_are_found_by_their_shebang(string firstLine, bool isShell)
    {
        var root = Directory.CreateTempSubdirectory("scripts-").FullName;
        File.WriteAllText(Path.Combine(root, "tool"), firstLine + "\necho hi\n");
        Assert.That(Suite.ShellScripts(root).Any(), Is.EqualTo(isShell));
    }

    [Test]
    public void Lint_names_file_and_line_of_a_yamllint_and_a_shellcheck_finding()
    {
        var root = Directory.CreateTempSubdirectory("lint-").FullName;
        File.Copy(Repo.PathOf(".yamllint.yaml"), Path.Combine(root, ".yamllint.yaml"));
        Directory.CreateDirectory(Path.Combine(root, "k8s"));
        File.WriteAllText(Path.Combine(root, "k8s", "bad.yaml"), "a:   1\nb: [x,y]   \n");
        File.WriteAllText(Path.Combine(root, "bad.sh"), "#!/bin/bash\necho $1\n");
        var suite = SuiteFor(root);
        var plan = Suite.LintPlan(root).Where(p => p.Name is "yamllint" or "shellcheck").ToList();
        foreach (var (name, command, parse) in plan)
        {
            var result = suite.Runner.RunAsync(command!).GetAwaiter().GetResult();
            var findings = parse(result.StandardOutput + result.StandardError);
            Assert.That(findings, Does.Contain(name == "yamllint" ? "bad.yaml:2:" : "bad.sh:2:"), name);
        }
    }

    [Test]
    public void JUnit_XML_counts_failures_and_skips()
    {
        var path = Path.Combine(Path.GetTempPath(), $"j-{Guid.NewGuid():N}.xml");
        JUnitReport.Write(path, [new JUnitSuite("s", [
            new JUnitCase("ok", "c", TimeSpan.FromSeconds(1)),
            new JUnitCase("bad", "c", TimeSpan.Zero, "it broke\ndetail"),
            new JUnitCase("later", "c", TimeSpan.Zero, Skipped: true, SkipReason: "not installed")])]);
        Assert.That(Suite.CountJUnit(path), Is.EqualTo((1, 1, 1)));
        Assert.That(File.ReadAllText(path), Does.Contain("message=\"it broke\""));
    }
}
