using Platform.Build.Tools;
using Platform.Build.Tests.Support;

namespace Platform.Build.Tests.Terraform;

/// <summary>Real terraform, offline: fmt over terraform/, and `terraform test` of every provider-free module.</summary>
[TestFixture]
public sealed class TerraformModuleTests
{
    private static readonly string[] ProviderFreeModules = ["rule-matrix", "address-plan", "cloud-init"];

    [Test]
    public async Task Terraform_configuration_is_formatted()
    {
        var result = await RealTools.Runner().RunAsync(
            TerraformCli.FormatCheck(Repo.PathOf("terraform")) with { SuccessExitCodes = [0, 3] });
        Assert.That(result.ExitCode, Is.Zero, "terraform fmt -check found unformatted files:\n" + result.StandardOutput);
    }

    [TestCaseSource(nameof(ProviderFreeModules))]
    public async Task Provider_free_module_passes_terraform_test(string module)
    {
        var (exitCode, output) = await RunModuleTests(Repo.PathOf("terraform", "modules", module));
        Assert.That(exitCode, Is.Zero, output);
        Assert.That(output, Does.Match(@"Success! \d+ passed, 0 failed"));
        // Each module carries failing-input cases (expect_failures), not only happy paths.
        var tests = Directory.GetFiles(Repo.PathOf("terraform", "modules", module, "tests"), "*.tftest.hcl").Select(File.ReadAllText);
        Assert.That(string.Concat(tests), Does.Contain("expect_failures"));
    }

    [Test]
    public async Task A_broken_rule_makes_terraform_test_fail()
    {
        // Mutation: the rule matrix with the /0 admin-CIDR validation removed and SSH opened to the world must fail its own tests.
        var copy = CopyModule("rule-matrix");
        try
        {
            var variables = Path.Combine(copy, "variables.tf");
            var text = await File.ReadAllTextAsync(variables);
            var mutated = text.Replace("!can(regex(\"/0$\", trimspace(c)))", "true", StringComparison.Ordinal);
            Assert.That(mutated, Is.Not.EqualTo(text), "the mutation must apply");
            await File.WriteAllTextAsync(variables, mutated);
            var (exitCode, output) = await RunModuleTests(copy);
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(output, Does.Contain("refuses_admin_cidr_anywhere_ipv4").And.Contain("fail"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }

    [Test]
    public async Task An_overlap_check_removed_makes_terraform_test_fail()
    {
        var copy = CopyModule("address-plan");
        try
        {
            var variables = Path.Combine(copy, "variables.tf");
            var text = await File.ReadAllTextAsync(variables);
            var start = text.IndexOf("# Two IPv4 ranges overlap", StringComparison.Ordinal);
            var line = text.IndexOf('\n', text.IndexOf("condition", start, StringComparison.Ordinal));
            var mutated = text[..start] + "condition = var.pod_cidr != \"\"" + text[line..];
            await File.WriteAllTextAsync(variables, mutated);
            var (exitCode, output) = await RunModuleTests(copy);
            Assert.That(exitCode, Is.Not.Zero);
            Assert.That(output, Does.Contain("refuses_pod_cidr_overlapping_nodes"));
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(copy)!, recursive: true);
        }
    }

    private static string CopyModule(string module)
    {
        var root = Path.Combine(Path.GetTempPath(), "tf-mutant-" + Guid.NewGuid().ToString("N")[..8]);
        var source = Repo.PathOf("terraform", "modules", module);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories).Where(f => !f.Contains("/.terraform", StringComparison.Ordinal)))
        {
            var target = Path.Combine(root, module, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        return Path.Combine(root, module);
    }

    private static async Task<(int ExitCode, string Output)> RunModuleTests(string dir)
    {
        var data = Path.Combine(Path.GetTempPath(), "tf-data-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var env = new Dictionary<string, string?> { ["TF_DATA_DIR"] = data };
            var runner = RealTools.Runner();
            await runner.RunAsync(TerraformCli.InitOffline(dir, env));
            var result = await runner.RunAsync(TerraformCli.Test(dir, env));
            return (result.ExitCode, result.StandardOutput + result.StandardError);
        }
        finally
        {
            if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
        }
    }
}
