using System.Text.Json.Nodes;
using Platform.Build.Terraform;
using Platform.Build.Tools;
using Platform.Build.Tests.Support;

namespace Platform.Build.Tests.Terraform;

/// <summary>
/// Real terraform checks the var files the suite writes against the root module's variables.tf (types and validation
/// blocks) and the provider-free module calls in modules.tf, planned in a temp folder; the resources need the provider.
/// </summary>
[TestFixture]
public sealed class RootVariablesTests
{
    private static readonly HostKey[] Keys =
    [
        new("seed-cp-1", "-----BEGIN OPENSSH PRIVATE KEY-----\ncp\n-----END OPENSSH PRIVATE KEY-----\n", "ssh-ed25519 AAAAcp seed-cp-1"),
        new("seed-worker-1", "-----BEGIN OPENSSH PRIVATE KEY-----\nw1\n-----END OPENSSH PRIVATE KEY-----\n", "ssh-ed25519 AAAAw1 seed-worker-1"),
        new("seed-worker-2", "-----BEGIN OPENSSH PRIVATE KEY-----\nw2\n-----END OPENSSH PRIVATE KEY-----\n", "ssh-ed25519 AAAAw2 seed-worker-2"),
    ];

    private static async Task<(int ExitCode, string Output)> PlanVariables(Action<JsonObject>? mutate = null, Action<JsonObject>? mutateSecret = null)
    {
        RealTools.Require(KnownTools.Terraform);
        using var repo = new TempRepo();
        var settings = repo.Settings("Plan");
        var layout = TerraformLayout.For(settings);
        var credentials = new CloudCredentials("test", "https://keystone.example.org/v3", "", new Dictionary<string, string?>());
        var publicVariables = TerraformPlanner.PublicVariables(settings, credentials, File.ReadAllText(repo.AdminPublicKeyPath), Keys);
        mutate?.Invoke(publicVariables);
        var secretVariables = TerraformPlanner.SecretVariables(Keys);
        mutateSecret?.Invoke(secretVariables);
        TerraformPlanner.WriteVarFiles(layout, publicVariables, secretVariables);

        var config = Path.Combine(repo.Root, "provider-free-root");
        Directory.CreateDirectory(config);
        foreach (var file in new[] { "variables.tf", "modules.tf" })
            File.Copy(Repo.PathOf("terraform", file), Path.Combine(config, file));
        var modules = Repo.PathOf("terraform", "modules");
        foreach (var file in Directory.EnumerateFiles(modules, "*", SearchOption.AllDirectories)
                     .Where(f => !Path.GetRelativePath(modules, f).Split(Path.DirectorySeparatorChar).Any(p => p is ".terraform" or "tests")))
        {
            var target = Path.Combine(config, "modules", Path.GetRelativePath(modules, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        await File.WriteAllTextAsync(Path.Combine(config, "main.tf"), "output \"nodes\" {\n  value = keys(var.host_public_keys)\n}\n");
        var env = new Dictionary<string, string?> { ["TF_DATA_DIR"] = Path.Combine(repo.Root, ".tfdata") };
        var runner = RealTools.Runner();
        await runner.RunAsync(TerraformCli.InitOffline(config, env));
        var plan = await runner.RunAsync(TerraformCli.Plan(config, env, Path.Combine(repo.Root, "vars.tfplan"), layout.VarFiles)
            with
        { SuccessExitCodes = [0, 1, 2], StreamOutput = false });
        // terraform wraps diagnostics in a box at ~80 columns: one line, single spaces, so messages match whole.
        var output = System.Text.RegularExpressions.Regex.Replace((plan.StandardOutput + plan.StandardError).Replace('│', ' '), @"\s+", " ");
        return (plan.ExitCode, output);
    }

    [Test]
    public async Task Var_files_written_by_the_suite_satisfy_the_root_variables()
    {
        var (exitCode, output) = await PlanVariables();
        Assert.That(exitCode, Is.EqualTo(2), output);
        Assert.That(output, Does.Not.Contain("-----BEGIN"), "the private keys are sensitive and never shown");
    }

    [TestCase("ingress_node", "first-worker", "ingress_node")]
    [TestCase("floating_ip_mode", "nat", "floating_ip_mode")]
    [TestCase("external_network", "", "external_network")]
    [TestCase("auth_url", "keystone.example.org", "auth_url")]
    [TestCase("auth_url", "https://keystone.example.org/v3\" x", "auth_url")]
    [TestCase("image", "", "image")]
    [TestCase("image", " debian-12 ", "image")]
    [TestCase("control_plane_flavor", " ", "control_plane_flavor")]
    [TestCase("worker_flavor", "", "worker_flavor")]
    [TestCase("admin_user", "root", "admin_user")]
    [TestCase("admin_user", "Debian User", "admin_user")]
    [TestCase("region", "Region One", "region")]
    [TestCase("region", "RegionOne\"", "region")]
    [TestCase("calico_encapsulation", "ipip94", "calico_encapsulation")]
    [TestCase("csi_block_storage_service_type", "", "csi_block_storage_service_type")]
    [TestCase("csi_block_storage_service_type", "Volume V3", "csi_block_storage_service_type")]
    public async Task Root_variable_validation_refuses(string variable, string value, string named)
    {
        var (exitCode, output) = await PlanVariables(v => v[variable] = value);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("Invalid value for variable").And.Contain($"var.{named}"));
    }

    [TestCase("control_plane_count", 2)]
    [TestCase("control_plane_count", 0)]
    [TestCase("worker_count", 0)]
    [TestCase("worker_count", 21)]
    [TestCase("worker_count", 1.5)]
    public async Task Root_refuses_counts_out_of_range(string variable, double value)
    {
        var (exitCode, output) = await PlanVariables(v => v[variable] = value);
        Assert.That(exitCode, Is.EqualTo(1));
        // The root names its own variable, before the address plan module would.
        Assert.That(output, Does.Contain("Invalid value for variable").And.Contain($"var.{variable}"));
    }

    [Test]
    public async Task Root_accepts_the_other_allowed_values()
    {
        var (exitCode, output) = await PlanVariables(v =>
        {
            v["calico_encapsulation"] = "ipip";
            v["region"] = "de-fra-1";
            v["admin_user"] = "ubuntu";
            v["csi_block_storage_service_type"] = "block-storage";
            v["admin_cidrs"] = new JsonArray("10.0.0.0/8", "2001:db8::/32");
        });
        Assert.That(exitCode, Is.EqualTo(2), output);
    }

    [Test]
    public async Task Missing_public_host_key_is_refused_naming_the_node()
    {
        var (exitCode, output) = await PlanVariables(v => v["host_public_keys"]!.AsObject().Remove("seed-worker-2"));
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("var.host_public_keys").And.Contain("No pinned SSH host key for seed-worker-2 (host_public_keys missing)"));
        Assert.That(output, Does.Not.Contain("Invalid index"));
    }

    [Test]
    public async Task Missing_private_host_key_is_refused_naming_the_node_without_showing_keys()
    {
        var (exitCode, output) = await PlanVariables(mutateSecret: s => s["host_private_keys"]!.AsObject().Remove("seed-cp-1"));
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("No pinned SSH host key for seed-cp-1 (host_private_keys missing)"));
        Assert.That(output, Does.Not.Contain("Invalid index").And.Not.Contain("-----BEGIN"));
    }

    [Test]
    public async Task Malformed_private_host_key_is_refused_by_cloud_init_naming_the_node()
    {
        var (exitCode, output) = await PlanVariables(mutateSecret: s => s["host_private_keys"]!["seed-worker-1"] = "not-a-key-XYZ");
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("host_key of seed-worker-1 must be an ed25519 OpenSSH key pair"));
        Assert.That(output, Does.Not.Contain("not-a-key-XYZ").And.Not.Contain("-----BEGIN"));
    }

    [Test]
    public async Task Malformed_public_host_key_is_refused_naming_the_node()
    {
        var (exitCode, output) = await PlanVariables(v => v["host_public_keys"]!["seed-cp-1"] = "ssh-rsa AAAA seed-cp-1");
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("var.host_public_keys").And.Contain("host_public_keys of seed-cp-1 must be one"));
    }

    [Test]
    public async Task Root_refuses_admin_cidr_anywhere()
    {
        var (exitCode, output) = await PlanVariables(v => v["admin_cidrs"] = new JsonArray("203.0.113.0/24", "::/0"));
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("var.admin_cidrs").And.Contain("must not contain 0.0.0.0/0"));
    }

    [Test]
    public async Task Root_refuses_admin_cidrs_that_together_cover_the_internet()
    {
        var (exitCode, output) = await PlanVariables(v => v["admin_cidrs"] = new JsonArray("0.0.0.0/1", "128.0.0.0/1"));
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("var.admin_cidrs").And.Contain("broader than /8 (IPv4) or /32 (IPv6): 0.0.0.0/1, 128.0.0.0/1"));
    }
}
