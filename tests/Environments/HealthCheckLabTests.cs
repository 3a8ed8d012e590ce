using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Platform.Build.Environments;

namespace Platform.Build.Tests.Environments;

/// <summary>
/// The image's probe endpoint and Apache site against a real PostgreSQL: Debian's PostgreSQL server, PHP with the
/// pgsql extension (the same extension the image compiles), and Apache with mod_php running the image's site
/// configuration as uid 33 over a read-only, root-owned document root.
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
        if (_apachePidFile is not null && File.Exists(_apachePidFile) &&
            int.TryParse(File.ReadAllText(_apachePidFile).Trim(), out var apachePid))
        {
            try { using var apache = Process.GetProcessById(apachePid); apache.Kill(true); apache.WaitForExit(10_000); }
            catch (ArgumentException) { }
        }
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
        var good = await Probe("lab-only-password", HardeningRules.WordPressDatabaseCheck);
        Assert.That(good, Is.EqualTo((HttpStatusCode.OK, "ok\n")));
    }

    [Test]
    public async Task The_probe_fails_when_the_database_rejects_the_credentials_but_liveness_stays_up()
    {
        var bad = await Probe("wrong-password", HardeningRules.WordPressDatabaseCheck);
        Assert.That(bad.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
        Assert.That(bad.Body, Does.Not.Contain("password"), "no details in the answer");
        Assert.That((await Probe("wrong-password", HardeningRules.WordPressPhpCheck)).Status, Is.EqualTo(HttpStatusCode.OK));
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

    private int _apachePort;
    private string? _apachePidFile;

    [Test]
    public async Task Apache_serves_the_probe_to_the_kubelet_only()
    {
        var port = StartApache();
        var direct = await Http.GetAsync($"http://127.0.0.1:{port}/healthz.php");
        Assert.That(direct.StatusCode, Is.EqualTo(HttpStatusCode.OK), await direct.Content.ReadAsStringAsync());
        Assert.That(await direct.Content.ReadAsStringAsync(), Is.EqualTo("ok\n"), "mod_php reached PostgreSQL with the pod's environment");
        using var viaTraefik = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/healthz.php");
        viaTraefik.Headers.Add("X-Forwarded-Proto", "https");
        Assert.That((await Http.SendAsync(viaTraefik)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
    }

    [Test]
    public async Task Apache_never_executes_uploads_or_serves_pg4wp_and_routes_permalinks_to_WordPress()
    {
        var port = StartApache();
        var upload = await Http.GetAsync($"http://127.0.0.1:{port}/wp-content/uploads/evil.php");
        Assert.That(upload.StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        Assert.That(await upload.Content.ReadAsStringAsync(), Does.Not.Contain("executed"));
        Assert.That((await Http.GetAsync($"http://127.0.0.1:{port}/wp-content/pg4wp/core.php")).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden));
        var permalink = await Http.GetAsync($"http://127.0.0.1:{port}/2026/11/hello-world/");
        Assert.That(await permalink.Content.ReadAsStringAsync(), Is.EqualTo("index:/2026/11/hello-world/"));
    }

    /// <summary>
    /// Starts Apache once with the image's ports.conf and site (for the lab only the port, the document root's location
    /// and the log targets change: the test runner's stdio pipes belong to root, a container's do not), as uid 33 when
    /// the tests run as root, with the pod's database environment.
    /// </summary>
    private int StartApache()
    {
        if (_apachePort != 0) return _apachePort;
        const string modules = "/usr/lib/apache2/modules";
        if (!File.Exists($"{modules}/libphp8.2.so") && !Directory.GetFiles(modules, "libphp*.so").Any())
            Assert.Fail("mod_php is not installed (CI installs libapache2-mod-php).");
        var image = Support.Repo.PathOf("images", "wordpress-pg");
        var root = Path.Combine(_dir, "apache");
        var docroot = Path.Combine(root, "wordpress");
        Directory.CreateDirectory(Path.Combine(docroot, "wp-content", "uploads"));
        Directory.CreateDirectory(Path.Combine(docroot, "wp-content", "pg4wp"));
        File.Copy(Path.Combine(image, "healthz.php"), Path.Combine(docroot, "healthz.php"));
        File.WriteAllText(Path.Combine(docroot, "index.php"), "<?php echo 'index:' . $_SERVER['REQUEST_URI'];");
        File.WriteAllText(Path.Combine(docroot, "wp-content", "uploads", "evil.php"), "<?php echo 'executed';");
        File.WriteAllText(Path.Combine(docroot, "wp-content", "pg4wp", "core.php"), "<?php echo 'pg4wp';");
        var run = Path.Combine(root, "run");
        Directory.CreateDirectory(run);

        _apachePort = FreePort();
        string Lab(string text) => text.Replace("/var/www/wordpress", docroot, StringComparison.Ordinal)
            .Replace("8080", _apachePort.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("/dev/stderr", Path.Combine(run, "error.log"), StringComparison.Ordinal)
            .Replace("/dev/stdout", Path.Combine(run, "access.log"), StringComparison.Ordinal);
        File.WriteAllText(Path.Combine(root, "ports.conf"), Lab(File.ReadAllText(Path.Combine(image, "apache", "ports.conf"))));
        File.WriteAllText(Path.Combine(root, "site.conf"), Lab(File.ReadAllText(Path.Combine(image, "apache", "wordpress.conf"))));
        var php = Directory.GetFiles(modules, "libphp*.so").First();
        _apachePidFile = Path.Combine(run, "apache.pid");
        File.WriteAllText(Path.Combine(root, "httpd.conf"),
            string.Join('\n', new[] { "mpm_prefork", "authz_core", "authz_host", "dir", "rewrite", "remoteip", "headers", "mime" }
                .Select(m => $"LoadModule {m}_module {modules}/mod_{m}.so")) + $"""

            LoadModule php_module {php}
            ServerRoot {root}
            PidFile {_apachePidFile}
            Mutex file:{run} default
            ServerName localhost
            ErrorLog {run}/error.log
            TypesConfig /etc/mime.types
            <FilesMatch "\.php$">
                SetHandler application/x-httpd-php
            </FilesMatch>
            Include {root}/ports.conf
            Include {root}/site.conf
            """);
        // Code and configuration stay root-owned and read-only; only the run directory is the server's.
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Must(WordPressImageTests.Run("chmod", ["-R", "a+rX,go-w", root]));
            Must(WordPressImageTests.Run("chmod", ["a+x", _dir]));
            Must(WordPressImageTests.Run("chown", ["33:33", run]));
        }
        var start = asRoot
            ? new ProcessStartInfo("setpriv", ["--reuid=33", "--regid=33", "--clear-groups", "/usr/sbin/apache2", "-f", Path.Combine(root, "httpd.conf"), "-DFOREGROUND"])
            : new ProcessStartInfo("/usr/sbin/apache2", ["-f", Path.Combine(root, "httpd.conf"), "-DFOREGROUND"]);
        start.RedirectStandardOutput = start.RedirectStandardError = true;
        start.Environment["WORDPRESS_DB_HOST"] = $"127.0.0.1:{_pgPort}";
        start.Environment["WORDPRESS_DB_NAME"] = "wordpress";
        start.Environment["WORDPRESS_DB_USER"] = "wp";
        start.Environment["WORDPRESS_DB_PASSWORD"] = "lab-only-password";
        var apache = Process.Start(start)!;
        _servers.Add(apache);
        var log = new System.Text.StringBuilder();
        apache.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        apache.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        apache.BeginOutputReadLine();
        apache.BeginErrorReadLine();
        for (var i = 0; i < 100; i++)
        {
            if (apache.HasExited) Assert.Fail($"Apache exited with {apache.ExitCode}: {log} {ReadLog(run)}");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, _apachePort);
                return _apachePort;
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }
        Assert.Fail($"Apache did not listen on {_apachePort}: {log} {ReadLog(run)}");
        return 0;
    }

    private static string ReadLog(string run) =>
        File.Exists(Path.Combine(run, "error.log")) ? File.ReadAllText(Path.Combine(run, "error.log")) : "";

    private static void Must((int Code, string Output) result) => Assert.That(result.Code, Is.EqualTo(0), result.Output);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
