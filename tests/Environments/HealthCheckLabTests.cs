using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Platform.Build.Tests.Environments;

/// <summary>
/// The image's probe endpoint against a real PostgreSQL: Debian's PostgreSQL server and PHP with the pgsql
/// extension (the same extension the image compiles), served by PHP's built-in web server.
/// </summary>
[TestFixture]
[Category("Lab")]
[NonParallelizable]
public class HealthCheckLabTests
{
    private string _dir = "";
    private int _pgPort;
    private readonly List<Process> _servers = [];
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(10) };

    [OneTimeSetUp]
    public void StartPostgres()
    {
        var bin = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")))
            : null;
        if (bin is null) Assert.Fail("PostgreSQL server binaries not found (apt-get install postgresql; CI installs it).");
        if (!File.Exists("/usr/bin/php")) Assert.Fail("php-cli is not installed (CI installs php-cli and php-pgsql).");
        Assert.That(WordPressImageTests.Run("php", ["-m"]).Output, Does.Contain("pgsql"), "php-pgsql is not installed");

        _dir = Directory.CreateTempSubdirectory("envs-pg-").FullName;
        _pgPort = FreePort();
        var asRoot = Environment.UserName == "root";
        if (asRoot) Must(WordPressImageTests.Run("chown", ["-R", "postgres:postgres", _dir]));
        (int, string) Pg(string tool, params string[] args) => asRoot
            ? WordPressImageTests.Run("runuser", ["-u", "postgres", "--", Path.Combine(bin!, tool), .. args])
            : WordPressImageTests.Run(Path.Combine(bin!, tool), args);
        var data = Path.Combine(_dir, "data");
        Must(Pg("initdb", "-D", data, "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256", "-E", "UTF8"));
        Must(Pg("pg_ctl", "-D", data, "-l", Path.Combine(_dir, "pg.log"), "-w", "-t", "60", "-o",
            $"-p {_pgPort} -k {_dir} -c listen_addresses=127.0.0.1", "start"));
        Must(Pg("psql", "-h", _dir, "-p", _pgPort.ToString(System.Globalization.CultureInfo.InvariantCulture), "-U", "postgres", "-v", "ON_ERROR_STOP=1",
            "-c", "CREATE ROLE wp LOGIN PASSWORD 'lab-only-password'", "-c", "CREATE DATABASE wordpress OWNER wp"));
    }

    [OneTimeTearDown]
    public void Stop()
    {
        foreach (var s in _servers) { try { s.Kill(true); } catch (InvalidOperationException) { } s.Dispose(); }
        if (_dir.Length == 0) return;
        var bin = Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin")).First(d => File.Exists(Path.Combine(d, "pg_ctl")));
        var args = new[] { Path.Combine(bin, "pg_ctl"), "-D", Path.Combine(_dir, "data"), "-m", "fast", "-w", "stop" };
        if (Environment.UserName == "root") WordPressImageTests.Run("runuser", ["-u", "postgres", "--", .. args]);
        else WordPressImageTests.Run(args[0], args[1..]);
        Directory.Delete(_dir, true);
    }

    [Test]
    public async Task The_probe_proves_php_reaches_the_database()
    {
        var good = await Probe("lab-only-password", "/healthz.php");
        Assert.That(good, Is.EqualTo((HttpStatusCode.OK, "ok\n")));
    }

    [Test]
    public async Task The_probe_fails_when_the_database_rejects_the_credentials_but_liveness_stays_up()
    {
        var bad = await Probe("wrong-password", "/healthz.php");
        Assert.That(bad.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(bad.Body, Does.Not.Contain("password"), "no details in the answer");
        Assert.That((await Probe("wrong-password", "/healthz.php?check=php")).Status, Is.EqualTo(HttpStatusCode.OK));
    }

    private async Task<(HttpStatusCode Status, string Body)> Probe(string password, string path)
    {
        var port = FreePort();
        var start = new ProcessStartInfo("php", ["-S", $"127.0.0.1:{port}", "-t", Support.Repo.PathOf("images", "wordpress-pg")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["WORDPRESS_DB_HOST"] = $"127.0.0.1:{_pgPort}";
        start.Environment["WORDPRESS_DB_NAME"] = "wordpress";
        start.Environment["WORDPRESS_DB_USER"] = "wp";
        start.Environment["WORDPRESS_DB_PASSWORD"] = password;
        var server = Process.Start(start)!;
        _servers.Add(server);
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        for (var i = 0; ; i++)
        {
            try
            {
                using var response = await Http.GetAsync($"http://127.0.0.1:{port}{path}");
                return (response.StatusCode, await response.Content.ReadAsStringAsync());
            }
            catch (HttpRequestException) when (i < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static void Must((int Code, string Output) result) => Assert.That(result.Code, Is.EqualTo(0), result.Output);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
