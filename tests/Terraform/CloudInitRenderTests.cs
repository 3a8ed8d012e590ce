using System.Text;
using Platform.Build.Logging;
using Platform.Build.Terraform;
using Platform.Build.Tools;
using Platform.Build.Tests.Support;
using YamlDotNet.RepresentationModel;

namespace Platform.Build.Tests.Terraform;

/// <summary>
/// Renders terraform/modules/cloud-init for each role with real terraform and real ssh-keygen host keys, then checks
/// the result with Debian's `cloud-init schema`, shellcheck on every embedded script, and Nova's 64 KiB limit.
/// </summary>
[TestFixture]
public sealed class CloudInitRenderTests
{
    private const int NovaUserDataLimit = 65535;
    private string _work = "";
    private readonly Dictionary<string, string> _rendered = new();
    private readonly Dictionary<string, HostKey> _keys = new();

    [OneTimeSetUp]
    public async Task RenderBothRoles()
    {
        RealTools.Require(KnownTools.Terraform);
        RealTools.Require(KnownTools.SshKeygen);
        _work = Path.Combine(Path.GetTempPath(), "tf-cloudinit-" + Guid.NewGuid().ToString("N")[..8]);
        var runner = RealTools.Runner();
        var store = new HostKeyStore(Path.Combine(_work, "keys"));
        string[] nodes = ["seed-cp-1", "seed-worker-1"];
        await store.GenerateMissingAsync(runner, nodes);
        foreach (var key in store.Load(nodes)) _keys[key.Node] = key;

        var root = Path.Combine(_work, "render");
        Directory.CreateDirectory(root);
        var module = Repo.PathOf("terraform", "modules", "cloud-init").Replace("\\", "/", StringComparison.Ordinal);
        var config = new StringBuilder();
        foreach (var (node, role) in new[] { ("seed-cp-1", "control-plane"), ("seed-worker-1", "worker") })
        {
            var id = role.Replace('-', '_');
            config.Append($$"""
                module "{{id}}" {
                  source           = "{{module}}"
                  hostname         = "{{node}}"
                  role             = "{{role}}"
                  admin_public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIAdminAdminAdminAdminAdminAdminAdminAdmin admin@example"
                  host_key         = { private_key = file("{{store.PrivateKeyPath(node)}}"), public_key = trimspace(file("{{store.PrivateKeyPath(node)}}.pub")) }
                }
                output "{{id}}" {
                  value     = module.{{id}}.user_data
                  sensitive = true
                }

                """);
        }
        await File.WriteAllTextAsync(Path.Combine(root, "main.tf"), config.ToString());
        var env = new Dictionary<string, string?> { ["TF_DATA_DIR"] = Path.Combine(_work, ".terraform") };
        await runner.RunAsync(TerraformCli.Init(root, env, []) with { StreamOutput = false });
        await runner.RunAsync(TerraformCli.ApplyVariables(root, env, "/dev/null") with { Arguments = ["apply", "-input=false", "-no-color", "-auto-approve"] });
        foreach (var role in new[] { "control-plane", "worker" })
        {
            var output = await runner.RunAsync(new ToolCommand(KnownTools.Terraform, ["output", "-raw", role.Replace('-', '_')])
            { WorkingDirectory = root, Environment = env, StreamOutput = false });
            _rendered[role] = output.StandardOutput;
        }
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    [TestCase("control-plane")]
    [TestCase("worker")]
    public async Task User_data_passes_cloud_init_schema(string role)
    {
        var (valid, report) = await CloudInitSchemaAsync(_rendered[role], role);
        Assert.That(valid, Is.True, report);
    }

    [Test]
    public async Task Cloud_init_schema_catches_an_invalid_config()
    {
        // Mutation: an empty ssh_genkeytypes (what a naive "generate no key" looks like) is a schema error.
        var broken = _rendered["worker"].Replace("\"ssh_genkeytypes\":\n- \"ed25519\"", "\"ssh_genkeytypes\": []", StringComparison.Ordinal);
        Assert.That(broken, Is.Not.EqualTo(_rendered["worker"]), "the mutation must apply");
        var (valid, report) = await CloudInitSchemaAsync(broken, "broken");
        Assert.That(valid, Is.False);
        Assert.That(report, Does.Contain("ssh_genkeytypes"));
    }

    [TestCase("control-plane")]
    [TestCase("worker")]
    public async Task Every_embedded_script_passes_shellcheck(string role)
    {
        var scripts = EmbeddedScripts(_rendered[role]);
        Assert.That(scripts.Keys, Does.Contain("/usr/local/sbin/platform-node-prepare.sh"));
        foreach (var (path, content) in scripts)
        {
            var result = await RealTools.Runner().RunAsync(Shellcheck.CheckStdin(content));
            Assert.That(result.ExitCode, Is.Zero, $"{path}:\n{result.StandardOutput}");
        }
    }

    [Test]
    public async Task Shellcheck_catches_a_broken_embedded_script()
    {
        var script = EmbeddedScripts(_rendered["worker"])["/usr/local/sbin/platform-node-prepare.sh"];
        var broken = script.Replace("--retry-delay 3 \"$url\"", "--retry-delay 3 $url", StringComparison.Ordinal);
        Assert.That(broken, Is.Not.EqualTo(script));
        var result = await RealTools.Runner().RunAsync(Shellcheck.CheckStdin(broken));
        Assert.That(result.ExitCode, Is.Not.Zero);
        Assert.That(result.StandardOutput, Does.Contain("SC2086"));
    }

    [TestCase("control-plane")]
    [TestCase("worker")]
    public void User_data_fits_novas_64_kib_limit(string role)
    {
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(_rendered[role])).Length;
        Assert.That(base64, Is.LessThanOrEqualTo(NovaUserDataLimit));
        TestContext.Out.WriteLine($"{role}: {_rendered[role].Length} bytes, {base64} base64 (limit {NovaUserDataLimit})");
    }

    [TestCase("control-plane", "seed-cp-1")]
    [TestCase("worker", "seed-worker-1")]
    public void Pinned_host_key_and_hardening_are_in_the_user_data(string role, string node)
    {
        var doc = Parse(_rendered[role]);
        var keys = (YamlMappingNode)doc["ssh_keys"];
        Assert.That(((YamlScalarNode)keys["ed25519_public"]).Value, Is.EqualTo(_keys[node].PublicKey));
        Assert.That(((YamlScalarNode)keys["ed25519_private"]).Value!.Trim(), Is.EqualTo(_keys[node].PrivateKey.Trim()));
        Assert.That(((YamlScalarNode)doc["ssh_deletekeys"]).Value, Is.EqualTo("true"));
        Assert.That(((YamlScalarNode)doc["ssh_pwauth"]).Value, Is.EqualTo("false"));
        Assert.That(((YamlScalarNode)doc["hostname"]).Value, Is.EqualTo(node));
        var hardening = WriteFiles(doc)["/etc/ssh/sshd_config.d/10-platform-hardening.conf"];
        Assert.That(hardening, Does.Contain("PasswordAuthentication no").And.Contain("PermitRootLogin no").And.Contain("HostKey /etc/ssh/ssh_host_ed25519_key"));
        var env = WriteFiles(doc)["/etc/platform/node.env"];
        Assert.That(env, Does.Contain("KUBERNETES_MINOR='1.35'").And.Contain($"PLATFORM_NODE_ROLE='{role}'"));
    }

    [Test]
    public void Private_host_keys_are_registered_for_redaction()
    {
        var key = _keys["seed-cp-1"];
        var line = key.PrivateKey.Split('\n')[2];
        Assert.That(Redaction.Apply("leak: " + line), Does.Not.Contain(line));
        Assert.That(key.ToString(), Does.Not.Contain("PRIVATE"));
    }

    private static YamlMappingNode Parse(string userData)
    {
        Assert.That(userData, Does.StartWith("#cloud-config\n"));
        var stream = new YamlStream();
        stream.Load(new StringReader(userData));
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static Dictionary<string, string> WriteFiles(YamlMappingNode doc) =>
        ((YamlSequenceNode)doc["write_files"]).Children.Cast<YamlMappingNode>()
            .ToDictionary(f => ((YamlScalarNode)f["path"]).Value!, f => ((YamlScalarNode)f["content"]).Value!);

    /// <summary>Scripts are write_files entries starting with a shebang, plus any inline runcmd strings (none today).</summary>
    private static Dictionary<string, string> EmbeddedScripts(string userData) =>
        WriteFiles(Parse(userData)).Where(f => f.Value.StartsWith("#!", StringComparison.Ordinal)).ToDictionary(f => f.Key, f => f.Value);

    private async Task<(bool Valid, string Report)> CloudInitSchemaAsync(string userData, string name)
    {
        RealTools.Require(KnownTools.CloudInit);
        var file = Path.Combine(_work, name + ".user-data.yaml");
        await File.WriteAllTextAsync(file, userData);
        var locator = new ToolLocator(new Dictionary<string, string> { ["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin" });
        var result = await new ToolRunner(new RecordingLog(), locator).RunAsync(CloudInitSchema.Check(file));
        var report = result.StandardOutput + result.StandardError;
        return (result.ExitCode == 0 && report.Contains("Valid cloud-config", StringComparison.Ordinal), report);
    }
}
