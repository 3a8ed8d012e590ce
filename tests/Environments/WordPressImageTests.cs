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
    private static Dockerfile File_ => Dockerfile.Parse(File.ReadAllText(Path.Combine(ImageDir, "Dockerfile")));

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
        var runs = File_.RunScripts.ToList();
        Assert.That(runs, Has.Count.GreaterThanOrEqualTo(2));
        foreach (var script in runs)
            Assert.That(ShellcheckRun.Check(script, "sh"), Is.Empty, script);
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
