using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Platform.Build.Environments;
using Platform.Build.Tests.Support;

namespace Platform.Build.Tests.Environments;

/// <summary>
/// The wordpress-pg image definition: explicit pins, shellcheck-clean build scripts, a PG4WP installer that really
/// verifies its checksum, PHP that parses and an Apache configuration that Apache itself accepts.
/// </summary>
[TestFixture]
public class WordPressImageTests
{
    private static string ImageDir => Repo.PathOf("images", "wordpress-pg");
    private static string DockerfileText => File.ReadAllText(Path.Combine(ImageDir, "Dockerfile"));
    private static Dockerfile File_ => Dockerfile.Parse(DockerfileText);

    [Test]
    public void The_base_image_is_the_official_wordpress_apache_image_at_a_pinned_supported_version()
    {
        var images = File_.BaseImages.ToList();
        Assert.That(images, Has.Count.EqualTo(1));
        var reference = ImageReference.Parse(images[0]);
        Assert.Multiple(() =>
        {
            Assert.That(reference.Registry, Is.EqualTo("docker.io"));
            Assert.That(reference.ExplicitRegistry, Is.True);
            Assert.That(reference.Repository, Is.EqualTo("docker.io/library/wordpress"));
            Assert.That(reference.Tag, Does.Match(@"^6\.[5-7]\.\d+-php8\.\d-apache$"), "WordPress core 6.5-6.7 (PG4WP 3.4), PHP 8.x, Apache variant");
            Assert.That(Rendered.DefaultSettings().GetList("images.allowedRegistries"), Does.Contain(reference.Registry));
        });
        // The digest slot is empty until a resolve step fills it; a filled slot has the form FROM expects.
        Assert.That(File_.ArgDefaults["WORDPRESS_DIGEST"], Does.Match("^(@sha256:[0-9a-f]{64})?$"), "WORDPRESS_DIGEST");
        // The overlays' tag names the same WordPress version as the base image.
        var wordpressVersion = reference.Tag!.Split('-')[0];
        foreach (var env in Rendered.Environments)
            Assert.That(Rendered.Find(Rendered.Environment(env), "Deployment", "wordpress").At("spec.template.spec.containers[0].image")!.ToString(),
                Does.Contain($"/wordpress-pg:{wordpressVersion}-"), env);
    }

    [Test]
    public void The_pg4wp_pins_are_explicit_or_documented_slots_never_invented()
    {
        var args = File_.ArgDefaults;
        var docs = File.ReadAllText(Repo.PathOf("docs", "wordpress-on-postgresql.md"));
        Assert.That(args["PG4WP_VERSION"], Is.EqualTo("3.4"));
        foreach (var (name, length) in new[] { ("PG4WP_COMMIT", 40), ("PG4WP_SHA256", 64) })
        {
            var value = args[name];
            if (value == "fill-me")
                Assert.That(docs, Does.Contain(name).And.Contain("fill-me"), $"{name} is a slot; the docs must say how to fill it");
            else
                Assert.That(value, Does.Match($"^[0-9a-f]{{{length}}}$"), name);
        }

        // The installer's RUN sees both pins (declared in the stage, after FROM), so a placeholder reaches
        // install-pg4wp and fails the build with its message instead of an empty value slipping through.
        Assert.That(ArgsSeenByInstaller(File_), Is.SupersetOf(new[] { "PG4WP_COMMIT", "PG4WP_SHA256" }));
        // Mutation: declared before FROM only, the pin is invisible to the RUN.
        var line = Regex.Match(DockerfileText, @"(?m)^ARG PG4WP_COMMIT=.*\n").Value;
        var moved = DockerfileText.Replace(line, "").Replace("\nFROM ", "\n" + line + "FROM ");
        Assert.That(ArgsSeenByInstaller(Dockerfile.Parse(moved)), Does.Not.Contain("PG4WP_COMMIT"));
    }

    private static HashSet<string> ArgsSeenByInstaller(Dockerfile file)
    {
        var args = new HashSet<string>();
        foreach (var step in file.Instructions)
        {
            if (step.Instruction == "FROM") args.Clear();
            else if (step.Instruction == "ARG") args.Add(step.Arguments.Split('=')[0].Trim());
            else if (step.Instruction == "RUN" && step.Arguments.Contains("install-pg4wp /var/www/wordpress")) return args;
        }
        Assert.Fail("no RUN calls install-pg4wp");
        return args;
    }

    /// <summary>The shell blocks of the docs' "Pinning PG4WP" section, in order, without their list indentation.</summary>
    private static List<string> PinningSteps()
    {
        var docs = File.ReadAllText(Repo.PathOf("docs", "wordpress-on-postgresql.md"));
        var section = docs[docs.IndexOf("## Pinning PG4WP", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n## ", 1, StringComparison.Ordinal)];
        return [.. Regex.Matches(section, @"```sh\n(.*?)```", RegexOptions.Singleline).Select(m => Regex.Replace(m.Groups[1].Value, "(?m)^   ", ""))];
    }

    [Test]
    public void The_documented_pg4wp_resolve_step_yields_the_tagged_commit_not_the_tag_object()
    {
        var steps = PinningSteps();
        Assert.That(steps, Has.Count.EqualTo(3), "resolve the commit, checksum the archive, try and pin");
        // One shell session, step after step.
        Assert.That(ShellcheckRun.Check(string.Join("\n", steps), "sh"), Is.Empty);
        Assert.That(steps[1], Does.Contain("/archive/$commit.tar.gz").And.Contain("sha256sum"), "the checksum is of the archive install-pg4wp downloads");

        // A local repository in place of GitHub's: an annotated tag v3.4.1 on a commit that is no longer the tip.
        var dir = Directory.CreateTempSubdirectory("envs-pg4wp-tag-").FullName;
        try
        {
            var repo = Path.Combine(dir, "repo");
            string Git(params string[] args)
            {
                var (code, output) = Run("git", ["-C", repo, "-c", "user.name=test", "-c", "user.email=test@example.org", .. args]);
                Assert.That(code, Is.EqualTo(0), output);
                return output.Trim();
            }
            Directory.CreateDirectory(repo);
            try { Run("git", ["--version"]); }
            catch (System.ComponentModel.Win32Exception) { Assert.Fail("git is not installed (apt-get install git)."); }
            Git("init", "--quiet");
            File.WriteAllText(Path.Combine(repo, "db.php"), "<?php\n");
            Git("add", "db.php");
            Git("commit", "--quiet", "-m", "release");
            Git("tag", "-a", "v3.4.1", "-m", "v3.4.1");
            File.WriteAllText(Path.Combine(repo, "db.php"), "<?php // later\n");
            Git("commit", "--quiet", "-am", "after the release");
            var tagged = Git("rev-parse", "v3.4.1^{commit}");
            var tagObject = Git("rev-parse", "v3.4.1");
            Assert.That(tagObject, Is.Not.EqualTo(tagged), "an annotated tag, as releases usually are");

            var script = Regex.Replace(steps[0], "(?m)^url=.*$", $"url=file://{repo}");
            Assert.That(script, Is.Not.EqualTo(steps[0]), "the step names its repository in a url= line");
            var (exit, output) = Run("sh", ["-c", script + "\nrm -rf \"$work\""]);
            Assert.That(exit, Is.EqualTo(0), output);
            Assert.That(output, Does.Contain($"PG4WP_COMMIT={tagged}").And.Not.Contain(tagObject));

            // The shortcut the docs warn about is wrong: ls-remote's first column is the tag object.
            Assert.That(Git("ls-remote", $"file://{repo}", "refs/tags/v3.4.1").Split('\t')[0], Is.EqualTo(tagObject));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void The_Dockerfile_meets_hadolints_common_rules_and_pins_its_frontend()
    {
        var file = File_;
        Assert.That(DockerfileRules.Findings(file), Is.Empty);
        Assert.Multiple(() =>
        {
            // The facts the rules rely on are really there, so an empty result is not an accident of parsing.
            Assert.That(file.Directives["syntax"], Does.Match(@"^docker\.io/docker/dockerfile:\d+\.\d+\.\d+(@sha256:[0-9a-f]{64})?$"));
            Assert.That(file.ShellRuns.Select(r => string.Join(' ', r.Shell)), Has.All.EqualTo("/bin/bash -o pipefail -c"));
            Assert.That(file.ShellRuns.SelectMany(r => DockerfileRules.AptInstalls(r.Step.Arguments)).SelectMany(i => i.Packages), Is.EqualTo(new[] { "libpq-dev" }));
            Assert.That(file.ShellRuns.Single(r => r.Step.Arguments.Contains("apt-get install")).Step.Comments[^1], Is.EqualTo("hadolint ignore=DL3008"));
        });
    }

    /// <summary>Each rule fails on a Dockerfile broken the way the rule forbids.</summary>
    [TestCase("DL4006", "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]\n", "", TestName = "DL4006: no SHELL, pipes run under sh without pipefail")]
    [TestCase("DL4006", "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]", "SHELL [\"/bin/bash\", \"-c\"]", TestName = "DL4006: bash without pipefail")]
    [TestCase("DL3008", "# hadolint ignore=DL3008\n", "", TestName = "DL3008: unpinned apt package without the ignore")]
    [TestCase("DL3008", "(hadolint DL3008), on purpose", "on purpose", TestName = "DL3008: ignored without a justification naming the rule")]
    [TestCase("DL3015", "install -y --no-install-recommends libpq-dev", "install -y libpq-dev", TestName = "DL3015: recommends installed")]
    [TestCase("DL3014", "install -y --no-install-recommends", "install --no-install-recommends", TestName = "DL3014: apt-get install without -y")]
    [TestCase("DL3009", "    rm -rf /var/lib/apt/lists/*; \\\n", "", TestName = "DL3009: apt lists left in the layer")]
    [TestCase("DL3006", "FROM docker.io/library/wordpress:${WORDPRESS_TAG}${WORDPRESS_DIGEST}", "FROM ${WORDPRESS_IMAGE}", TestName = "DL3006: the whole reference in an ARG")]
    [TestCase("DL3006", "FROM docker.io/library/wordpress:${WORDPRESS_TAG}${WORDPRESS_DIGEST}", "FROM docker.io/library/wordpress", TestName = "DL3006: no tag")]
    [TestCase("DL3007", "FROM docker.io/library/wordpress:${WORDPRESS_TAG}${WORDPRESS_DIGEST}", "FROM docker.io/library/wordpress:latest", TestName = "DL3007: latest")]
    [TestCase("DL3025", "CMD [\"apache2-foreground\"]", "CMD apache2-foreground", TestName = "DL3025: CMD in shell form")]
    [TestCase(DockerfileRules.FrontendPin, "# syntax=docker.io/docker/dockerfile:1.14.0\n", "# syntax=docker/dockerfile:1.7\n", TestName = "syntax: a moving minor version")]
    [TestCase(DockerfileRules.FrontendPin, "# syntax=docker.io/docker/dockerfile:1.14.0\n", "# syntax=docker/dockerfile:1\n", TestName = "syntax: a moving major version")]
    [TestCase(DockerfileRules.FrontendPin, "# syntax=docker.io/docker/dockerfile:1.14.0\n", "# syntax=docker/dockerfile:1.14.0@sha256:abc\n", TestName = "syntax: a malformed digest")]
    public void A_Dockerfile_that_breaks_a_rule_is_reported(string rule, string from, string to)
    {
        var text = DockerfileText;
        Assert.That(text, Does.Contain(from), "the mutation must change the real Dockerfile");
        var findings = DockerfileRules.Findings(Dockerfile.Parse(text.Replace(from, to, StringComparison.Ordinal)));
        Assert.That(findings, Has.Some.StartsWith(rule + " "), string.Join("\n", findings));
    }

    [Test]
    public void No_syntax_directive_is_also_acceptable_and_a_directive_below_a_comment_is_only_a_comment()
    {
        var text = DockerfileText;
        var without = Dockerfile.Parse(text.Replace("# syntax=docker.io/docker/dockerfile:1.14.0\n", "", StringComparison.Ordinal));
        Assert.That(without.Directives, Does.Not.ContainKey("syntax"));
        Assert.That(DockerfileRules.Findings(without), Is.Empty);
        // BuildKit stops reading directives at the first comment: a moving frontend there is inert, not a pin.
        var moved = Dockerfile.Parse("# a comment\n# syntax=docker/dockerfile:1\nFROM docker.io/library/debian:12.8\n");
        Assert.That(moved.Directives, Is.Empty);
    }

    [Test]
    public void The_image_runs_as_uid_33_on_8080_without_the_copying_entrypoint()
    {
        var instructions = File_.Instructions;
        string Last(string name) => instructions.Last(i => i.Instruction == name).Arguments.Trim();
        Assert.Multiple(() =>
        {
            Assert.That(Last("USER"), Is.EqualTo("33:33"));
            Assert.That(Last("EXPOSE"), Is.EqualTo("8080"));
            Assert.That(Last("ENTRYPOINT"), Is.EqualTo("[]"));
            Assert.That(Last("CMD"), Is.EqualTo("[\"apache2-foreground\"]"));
            Assert.That(File.ReadAllText(Path.Combine(ImageDir, "apache", "ports.conf")), Does.Match(@"(?m)^Listen 8080$"));
            Assert.That(File.ReadAllText(Path.Combine(ImageDir, "apache", "wordpress.conf")), Does.Contain("<VirtualHost *:8080>").And.Contain("ErrorLog /dev/stderr"));
            Assert.That(File.ReadAllText(Path.Combine(ImageDir, "php", "platform.ini")), Does.Contain("error_log = /dev/stderr"));
        });
    }

    [Test]
    public void WordPress_config_forbids_file_changes_and_updates_and_moves_the_pg4wp_log()
    {
        var config = File.ReadAllText(Path.Combine(ImageDir, "wp-config.php"));
        foreach (var expected in new[]
                 {
                     "define('DISALLOW_FILE_MODS', true);", "define('AUTOMATIC_UPDATER_DISABLED', true);",
                     "define('WP_AUTO_UPDATE_CORE', false);", "define('PG4WP_LOG', '/tmp/pg4wp-logs/');",
                 })
            Assert.That(config, Does.Contain(expected));
        Assert.That(config, Does.Not.Match("(?i)password'\\s*,\\s*'[^']"), "no literal credentials");
    }

    [Test]
    public void Every_RUN_script_and_shipped_shell_script_passes_shellcheck()
    {
        var runs = File_.ShellRuns.ToList();
        Assert.That(runs, Has.Count.GreaterThanOrEqualTo(2));
        foreach (var (step, shell) in runs)
        {
            // Checked in the dialect of the shell that runs it (the Dockerfile's SHELL: bash).
            var dialect = Path.GetFileName(shell[0]);
            Assert.That(dialect, Is.AnyOf("sh", "bash"), $"line {step.Line}: unexpected shell {shell[0]}");
            Assert.That(ShellcheckRun.Check(step.Arguments, dialect), Is.Empty, step.Arguments);
        }
        foreach (var file in Directory.GetFiles(ImageDir, "*.sh", SearchOption.AllDirectories))
            Assert.That(ShellcheckRun.Check(File.ReadAllText(file), "sh"), Is.Empty, file);
        // The check is live: a classic mistake is reported.
        Assert.That(ShellcheckRun.Check("rm -rf $dir/*", "sh"), Does.Contain("SC2086"));
    }

    [Test]
    public void The_php_files_parse()
    {
        foreach (var file in Directory.GetFiles(ImageDir, "*.php"))
        {
            var (code, output) = Run("php", ["-l", file]);
            Assert.That(code, Is.EqualTo(0), output);
        }
        var broken = Path.Combine(Path.GetTempPath(), $"broken-{Guid.NewGuid():N}.php");
        File.WriteAllText(broken, "<?php define('X', ;");
        try { Assert.That(Run("php", ["-l", broken]).Code, Is.Not.EqualTo(0), "php -l is live"); }
        finally { File.Delete(broken); }
    }

    [Test]
    public void Apache_accepts_the_site_configuration()
    {
        const string modules = "/usr/lib/apache2/modules";
        if (!File.Exists("/usr/sbin/apache2")) Assert.Fail("apache2 is not installed (CI installs apache2-bin).");
        var dir = Directory.CreateTempSubdirectory("envs-apache-").FullName;
        try
        {
            string Config(string site) =>
                string.Join('\n', new[] { "mpm_prefork", "authz_core", "authz_host", "dir", "rewrite", "remoteip", "headers", "mime" }
                    .Select(m => $"LoadModule {m}_module {modules}/mod_{m}.so")) + $"""

                ServerRoot {dir}
                PidFile {dir}/apache.pid
                ErrorLog /dev/stderr
                Include {Path.Combine(ImageDir, "apache", "ports.conf")}
                Include {site}
                """;
            File.WriteAllText(Path.Combine(dir, "ok.conf"), Config(Path.Combine(ImageDir, "apache", "wordpress.conf")));
            var (code, output) = Run("/usr/sbin/apache2", ["-t", "-f", Path.Combine(dir, "ok.conf")]);
            Assert.That(code, Is.EqualTo(0), output);

            // Mutation: a typo in a directive makes Apache refuse it, so the check is live.
            File.WriteAllText(Path.Combine(dir, "broken.site"), File.ReadAllText(Path.Combine(ImageDir, "apache", "wordpress.conf")).Replace("DocumentRoot", "DocumentRot"));
            File.WriteAllText(Path.Combine(dir, "broken.conf"), Config(Path.Combine(dir, "broken.site")));
            Assert.That(Run("/usr/sbin/apache2", ["-t", "-f", Path.Combine(dir, "broken.conf")]).Code, Is.Not.EqualTo(0));
        }
        finally { Directory.Delete(dir, true); }
    }

    [Test]
    public void The_pg4wp_installer_verifies_the_checksum_and_refuses_placeholders()
    {
        var dir = Directory.CreateTempSubdirectory("envs-pg4wp-").FullName;
        try
        {
            const string commit = "0123456789abcdef0123456789abcdef01234567"; // a test archive, not PG4WP's history
            var archive = MakeArchive(dir, commit, "<?php\nif (!defined('PG4WP_LOG')) { define('PG4WP_LOG', PG4WP_ROOT . '/logs/'); }\n");
            var sha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(archive)));
            var wordpress = Path.Combine(dir, "wordpress");
            Directory.CreateDirectory(Path.Combine(wordpress, "wp-content"));

            var placeholder = Install(wordpress, "fill-me", "fill-me", archive);
            Assert.That(placeholder.Code, Is.EqualTo(2));
            Assert.That(placeholder.Output, Does.Contain("PG4WP_COMMIT='fill-me'").And.Contain("docs/wordpress-on-postgresql.md"));
            Assert.That(Install(wordpress, commit, "fill-me", archive).Output, Does.Contain("PG4WP_SHA256='fill-me'"));

            var mismatch = Install(wordpress, commit, new string('a', 64), archive);
            Assert.That(mismatch.Code, Is.EqualTo(1));
            Assert.That(mismatch.Output, Does.Contain("SHA-256 mismatch").And.Contain(sha));
            Assert.That(Directory.Exists(Path.Combine(wordpress, "wp-content", "pg4wp")), Is.False, "nothing installed on a mismatch");

            var ok = Install(wordpress, commit, sha, archive);
            Assert.That(ok.Code, Is.EqualTo(0), ok.Output);
            Assert.That(File.Exists(Path.Combine(wordpress, "wp-content", "db.php")), Is.True);
            Assert.That(File.Exists(Path.Combine(wordpress, "wp-content", "pg4wp", "db.php")), Is.True);

            // A PG4WP that would write its log into the read-only tree is refused.
            var old = MakeArchive(Path.Combine(dir, "old"), commit, "<?php\ndefine('PG4WP_LOG', PG4WP_ROOT.'/logs/');\n");
            var oldSha = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(old)));
            Assert.That(Install(wordpress, commit, oldSha, old).Output, Does.Contain("does not honour a predefined PG4WP_LOG"));
        }
        finally { Directory.Delete(dir, true); }
    }

    private static string MakeArchive(string dir, string commit, string dbPhp)
    {
        var top = Path.Combine(dir, "src", $"postgresql-for-wordpress-{commit}", "pg4wp");
        Directory.CreateDirectory(top);
        File.WriteAllText(Path.Combine(top, "db.php"), dbPhp);
        File.WriteAllText(Path.Combine(top, "core.php"), "<?php\n");
        var archive = Path.Combine(dir, "pg4wp.tar.gz");
        var (code, output) = Run("tar", ["-czf", archive, "-C", Path.Combine(dir, "src"), $"postgresql-for-wordpress-{commit}"]);
        Assert.That(code, Is.EqualTo(0), output);
        return archive;
    }

    private static (int Code, string Output) Install(string wordpress, string commit, string sha, string archive) =>
        Run("sh", [Path.Combine(ImageDir, "install-pg4wp.sh"), wordpress],
            new() { ["PG4WP_COMMIT"] = commit, ["PG4WP_SHA256"] = sha, ["PG4WP_ARCHIVE"] = archive });

    internal static (int Code, string Output) Run(string file, string[] args, Dictionary<string, string>? env = null)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var (k, v) in env ?? []) start.Environment[k] = v;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000)) { process.Kill(true); Assert.Fail($"{file} timed out"); }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
