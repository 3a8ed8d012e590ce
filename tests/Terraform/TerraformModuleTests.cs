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

    // Mutations: each guard of the rule matrix disabled in turn must make its own failing-input case fail (the cases are
    // built to trip one guard each; terraform test stops a file at its first failing run, so the first case is named).
    // A replacement condition always holds but must still reference something (a variable's own value, in a validation).
    private const string OutputHolds = "condition = var.platform_name != \"\"";
    private const string AdminCidrsHold = "condition = length(var.admin_cidrs) >= 0";

    [TestCase("outputs.tf", "condition     = !anytrue([for r in local.extra_refused : r.world_source])", OutputHolds, "refuses_world_source_outside_the_ingress_group")]
    [TestCase("outputs.tf", "condition     = !anytrue([for r in local.extra_refused : r.guarded_source])", OutputHolds, "refuses_ssh_from_outside_the_admin_cidrs")]
    [TestCase("outputs.tf", "condition     = !anytrue([for r in local.extra_refused : r.node_cidr_port])", OutputHolds, "refuses_node_cidr_on_other_ports")]
    [TestCase("outputs.tf", "condition     = !anytrue([for r in local.extra_refused : r.node_group_port])", OutputHolds, "refuses_node_to_node_on_other_ports")]
    [TestCase("variables.tf", "condition     = alltrue([for c in var.admin_cidrs : try(tonumber(split(\"/\", c)[1]) == 0 ||", AdminCidrsHold, "refuses_admin_cidrs_covering_the_internet_in_halves")]
    public async Task A_disabled_rule_matrix_guard_makes_its_case_fail(string file, string conditionStart, string holds, string failingRun)
    {
        var (exitCode, output) = await RunMutated("rule-matrix", file, text =>
        {
            var start = text.IndexOf(conditionStart, StringComparison.Ordinal);
            Assert.That(start, Is.Not.Negative, $"the guard '{conditionStart}' must exist in {file}");
            var end = text.IndexOf('\n', start);
            return text[..start] + holds + text[end..];
        });
        Assert.That(exitCode, Is.Not.Zero, output);
        Assert.That(output, Does.Match($@"run ""{failingRun}""\.\.\. fail"));
    }

    [Test]
    public async Task Ipip_without_bgp_makes_terraform_test_fail()
    {
        var (exitCode, output) = await RunMutated("rule-matrix", "main.tf",
            text => text.Replace("protocol = \"tcp\", port_min = 179, port_max = 179", "protocol = \"tcp\", port_min = 180, port_max = 180", StringComparison.Ordinal));
        Assert.That(exitCode, Is.Not.Zero, output);
        Assert.That(output, Does.Match(@"run ""ipip_uses_protocol_4""\.\.\. fail"));
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

    /// <summary>Runs terraform test on a copy of the module with one file changed; the mutation must change something.</summary>
    private static async Task<(int ExitCode, string Output)> RunMutated(string module, string file, Func<string, string> mutate)
    {
        var copy = CopyModule(module);
        try
        {
            var path = Path.Combine(copy, file);
            var text = await File.ReadAllTextAsync(path);
            var mutated = mutate(text);
            Assert.That(mutated, Is.Not.EqualTo(text), "the mutation must apply");
            await File.WriteAllTextAsync(path, mutated);
            return await RunModuleTests(copy);
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
