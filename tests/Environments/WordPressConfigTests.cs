using System.Text.Json;
using Platform.Build.Tests.Support;

namespace Platform.Build.Tests.Environments;

/// <summary>The image's wp-config.php run by a real PHP, with a stand-in wp-settings.php that reports the constants.</summary>
[TestFixture]
public class WordPressConfigTests
{
    private string _dir = "";

    [SetUp]
    public void Stage()
    {
        if (!File.Exists("/usr/bin/php")) Assert.Fail("php-cli is not installed (CI installs it).");
        _dir = Directory.CreateTempSubdirectory("envs-wpconfig-").FullName;
        File.Copy(Repo.PathOf("images", "wordpress-pg", "wp-config.php"), Path.Combine(_dir, "wp-config.php"));
        File.WriteAllText(Path.Combine(_dir, "wp-settings.php"), """
            <?php
            $names = ['DB_NAME', 'DB_USER', 'DB_PASSWORD', 'DB_HOST', 'WP_HOME', 'WP_SITEURL', 'DISALLOW_FILE_MODS',
                'AUTOMATIC_UPDATER_DISABLED', 'WP_AUTO_UPDATE_CORE', 'PG4WP_LOG', 'AUTH_KEY', 'NONCE_SALT', 'WP_HTTP_BLOCK_EXTERNAL'];
            $out = [];
            foreach ($names as $n) { $out[$n] = defined($n) ? constant($n) : null; }
            echo json_encode($out);
            """);
    }

    [TearDown]
    public void Remove() => Directory.Delete(_dir, true);

    private static Dictionary<string, string> CompleteEnvironment() => new()
    {
        ["WORDPRESS_DB_NAME"] = "wordpress",
        ["WORDPRESS_DB_USER"] = "wp",
        ["WORDPRESS_DB_PASSWORD"] = "from-the-secret",
        ["WORDPRESS_HOST"] = "wordpress.dev.seed.example.org",
        ["WORDPRESS_AUTH_KEY"] = "k1",
        ["WORDPRESS_SECURE_AUTH_KEY"] = "k2",
        ["WORDPRESS_LOGGED_IN_KEY"] = "k3",
        ["WORDPRESS_NONCE_KEY"] = "k4",
        ["WORDPRESS_AUTH_SALT"] = "s1",
        ["WORDPRESS_SECURE_AUTH_SALT"] = "s2",
        ["WORDPRESS_LOGGED_IN_SALT"] = "s3",
        ["WORDPRESS_NONCE_SALT"] = "s4",
    };

    private (int Code, string Output) RunConfig(Dictionary<string, string> env, string forwardedProto = "") =>
        WordPressImageTests.Run("php", ["-r", $"$_SERVER['HTTP_X_FORWARDED_PROTO'] = '{forwardedProto}'; require '{Path.Combine(_dir, "wp-config.php")}';"], env);

    [Test]
    public void Everything_comes_from_the_environment_and_file_changes_are_off()
    {
        var (code, output) = RunConfig(CompleteEnvironment(), "https");
        Assert.That(code, Is.EqualTo(0), output);
        var values = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(output)!;
        Assert.Multiple(() =>
        {
            Assert.That(values["DB_PASSWORD"].GetString(), Is.EqualTo("from-the-secret"));
            Assert.That(values["DB_HOST"].GetString(), Is.EqualTo("pg-db"), "default: the client Service");
            Assert.That(values["WP_HOME"].GetString(), Is.EqualTo("https://wordpress.dev.seed.example.org"));
            Assert.That(values["WP_SITEURL"].GetString(), Is.EqualTo("https://wordpress.dev.seed.example.org"));
            Assert.That(values["DISALLOW_FILE_MODS"].GetBoolean(), Is.True);
            Assert.That(values["AUTOMATIC_UPDATER_DISABLED"].GetBoolean(), Is.True);
            Assert.That(values["WP_AUTO_UPDATE_CORE"].GetBoolean(), Is.False);
            Assert.That(values["WP_HTTP_BLOCK_EXTERNAL"].GetBoolean(), Is.True);
            Assert.That(values["PG4WP_LOG"].GetString(), Does.StartWith("/tmp/"));
            Assert.That(values["NONCE_SALT"].GetString(), Is.EqualTo("s4"));
        });
        var plain = JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(RunConfig(CompleteEnvironment()).Output)!;
        Assert.That(plain["WP_HOME"].GetString(), Is.EqualTo("http://wordpress.dev.seed.example.org"), "dev serves plain HTTP");
    }

    [TestCase("WORDPRESS_DB_PASSWORD")]
    [TestCase("WORDPRESS_HOST")]
    [TestCase("WORDPRESS_NONCE_SALT")]
    public void A_missing_variable_stops_with_a_clear_log_line_and_no_site(string missing)
    {
        var env = CompleteEnvironment();
        env.Remove(missing);
        var (_, output) = RunConfig(env);
        Assert.That(output, Does.Contain($"the environment variable {missing} is not set").And.Contain("Site configuration incomplete"));
        Assert.That(output, Does.Not.Contain("DB_NAME"), "wp-settings.php never ran");
    }
}
