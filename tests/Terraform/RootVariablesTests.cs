using System.Text.Json.Nodes;
using Platform.Build.Terraform;
using Platform.Build.Tools;
using Platform.Build.Tests.Support;

namespace Platform.Build.Tests.Terraform;

/// <summary>
/// Real terraform checks the var files the suite writes against the root module's variables.tf (types and validation
/// blocks). variables.tf is provider-free, so it is planned alone in a temp folder; the resources need the provider.
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

    private static async Task<(int ExitCode, string Output)> PlanVariables(Action<JsonObject>? mutate = null)
    {
        RealTools.Require(KnownTools.Terraform);
        using var repo = new TempRepo();
        var settings = repo.Settings("Plan");
        var layout = TerraformLayout.For(settings);
        var credentials = new CloudCredentials("test", "https://keystone.example.org/v3", "", new Dictionary<string, string?>());
        var publicVariables = TerraformPlanner.PublicVariables(settings, credentials, File.ReadAllText(repo.AdminPublicKeyPath), Keys);
        mutate?.Invoke(publicVariables);
        TerraformPlanner.WriteVarFiles(layout, publicVariables, TerraformPlanner.SecretVariables(Keys));

        var config = Path.Combine(repo.Root, "variables-only");
        Directory.CreateDirectory(config);
        File.Copy(Repo.PathOf("terraform", "variables.tf"), Path.Combine(config, "variables.tf"));
        await File.WriteAllTextAsync(Path.Combine(config, "main.tf"), "output \"nodes\" {\n  value = keys(var.host_public_keys)\n}\n");
        var env = new Dictionary<string, string?> { ["TF_DATA_DIR"] = Path.Combine(repo.Root, ".tfdata") };
        var runner = RealTools.Runner();
        await runner.RunAsync(TerraformCli.InitOffline(config, env));
        var plan = await runner.RunAsync(TerraformCli.Plan(config, env, Path.Combine(repo.Root, "vars.tfplan"), layout.VarFiles)
            with
        { SuccessExitCodes = [0, 1, 2], StreamOutput = false });
        return (plan.ExitCode, plan.StandardOutput + plan.StandardError);
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
    public async Task Root_variable_validation_refuses(string variable, string value, string named)
    {
        var (exitCode, output) = await PlanVariables(v => v[variable] = value);
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("Invalid value for variable").And.Contain($"var.{named}"));
    }

    [Test]
    public async Task Root_refuses_admin_cidr_anywhere()
    {
        var (exitCode, output) = await PlanVariables(v => v["admin_cidrs"] = new JsonArray("203.0.113.0/24", "::/0"));
        Assert.That(exitCode, Is.EqualTo(1));
        Assert.That(output, Does.Contain("var.admin_cidrs").And.Contain("must not contain 0.0.0.0/0"));
    }
}
