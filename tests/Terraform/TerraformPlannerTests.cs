using System.Text.Json.Nodes;
using Platform.Build.Terraform;

namespace Platform.Build.Tests.Terraform;

/// <summary>Argument construction of init / plan / apply / output / destroy, and the var files.</summary>
[TestFixture]
public sealed class TerraformPlannerTests
{
    private static readonly HostKey[] Keys =
    [
        new("seed-cp-1", "-----BEGIN OPENSSH PRIVATE KEY-----\ncp-secret-line\n-----END OPENSSH PRIVATE KEY-----\n", "ssh-ed25519 AAAAcp seed-cp-1"),
        new("seed-worker-1", "-----BEGIN OPENSSH PRIVATE KEY-----\nw1-secret-line\n-----END OPENSSH PRIVATE KEY-----\n", "ssh-ed25519 AAAAw1 seed-worker-1"),
        new("seed-worker-2", "-----BEGIN OPENSSH PRIVATE KEY-----\nw2-secret-line\n-----END OPENSSH PRIVATE KEY-----\n", "ssh-ed25519 AAAAw2 seed-worker-2"),
    ];

    private static CloudCredentials Credentials(Dictionary<string, string?>? env = null) =>
        new("test", "https://keystone.example.org/v3", "RegionOne", env ?? new Dictionary<string, string?>());

    [Test]
    public void Local_backend_keeps_the_state_under_artifacts()
    {
        using var repo = new TempRepo();
        var settings = repo.Settings("Plan");
        var layout = TerraformLayout.For(settings);
        var init = TerraformPlanner.Init(settings, layout, Credentials());

        Assert.That(init.WorkingDirectory, Is.EqualTo(Path.Combine(repo.Root, "terraform")));
        Assert.That(init.Arguments, Is.EqualTo(new[]
        {
            "init", "-input=false", "-no-color", "-reconfigure", $"-backend-config=path={Path.Combine(repo.Artifacts, "terraform", "terraform.tfstate")}",
        }));
        Assert.That(init.Environment["TF_DATA_DIR"], Is.EqualTo(Path.Combine(repo.Artifacts, "terraform", ".terraform")));
        Assert.That(init.Environment["TF_IN_AUTOMATION"], Is.EqualTo("1"));
        Assert.That(TerraformPlanner.BackendFileContent("local"), Does.Contain("backend \"local\" {}"));
    }

    [Test]
    public void Remote_backend_takes_its_config_from_settings()
    {
        using var repo = new TempRepo();
        var settings = repo.Settings("Plan", null, ("terraform.backend", "s3"),
            ("terraform.backendConfig", "bucket=platform-state,key=seed/terraform.tfstate,region=eu-west-1"));
        var init = TerraformPlanner.Init(settings, TerraformLayout.For(settings), Credentials());
        Assert.That(init.Arguments.Where(a => a.StartsWith("-backend-config=", StringComparison.Ordinal)), Is.EqualTo(new[]
        {
            "-backend-config=bucket=platform-state", "-backend-config=key=seed/terraform.tfstate", "-backend-config=region=eu-west-1",
        }));
        Assert.That(TerraformPlanner.BackendFileContent("s3"), Does.Contain("backend \"s3\" {}"));
    }

    [Test]
    public void Plan_apply_output_destroy_arguments()
    {
        using var repo = new TempRepo();
        var layout = TerraformLayout.For(repo.Settings("Plan"));
        var credentials = Credentials(new Dictionary<string, string?> { ["OS_CLOUD"] = "mycloud" });
        var work = Path.Combine(repo.Artifacts, "terraform");

        var plan = TerraformPlanner.Plan(layout, credentials);
        Assert.That(plan.Arguments, Is.EqualTo(new[]
        {
            "plan", "-input=false", "-no-color", "-detailed-exitcode", $"-out={work}/platform.tfplan",
            $"-var-file={work}/platform.tfvars.json", $"-var-file={work}/host-keys.secret.tfvars.json",
        }));
        Assert.That(plan.SuccessExitCodes, Is.EquivalentTo(new[] { 0, 2 }));
        Assert.That(plan.Environment["OS_CLOUD"], Is.EqualTo("mycloud"));

        Assert.That(TerraformPlanner.Apply(layout, credentials).Arguments,
            Is.EqualTo(new[] { "apply", "-input=false", "-no-color", "-auto-approve", $"{work}/platform.tfplan" }));
        var output = TerraformPlanner.Output(layout, credentials);
        Assert.That(output.Arguments, Is.EqualTo(new[] { "output", "-json", "-no-color" }));
        Assert.That(output.StreamOutput, Is.False, "the output carries the sensitive cloud.conf: never stream it to the log");
        Assert.That(TerraformPlanner.Destroy(layout, credentials).Arguments, Is.EqualTo(new[]
        {
            "destroy", "-input=false", "-no-color", "-auto-approve",
            $"-var-file={work}/platform.tfvars.json", $"-var-file={work}/host-keys.secret.tfvars.json",
        }));
    }

    [Test]
    public void Var_files_split_public_and_secret_and_the_secret_one_is_0600()
    {
        using var repo = new TempRepo();
        var settings = repo.Settings("Plan", null, ("openstack.adminCidrs", "203.0.113.0/24,198.51.100.0/24"), ("openstack.workerCount", "2"));
        var layout = TerraformLayout.For(settings);
        var publicVars = TerraformPlanner.PublicVariables(settings, Credentials(), File.ReadAllText(repo.AdminPublicKeyPath), Keys);
        TerraformPlanner.WriteVarFiles(layout, publicVars, TerraformPlanner.SecretVariables(Keys));

        var written = JsonNode.Parse(File.ReadAllText(layout.PublicVarFile))!;
        Assert.That(written["platform_name"]!.GetValue<string>(), Is.EqualTo("seed"));
        Assert.That(written["external_network"]!.GetValue<string>(), Is.EqualTo("public"));
        Assert.That(written["admin_cidrs"]!.AsArray().Select(n => n!.GetValue<string>()), Is.EqualTo(new[] { "203.0.113.0/24", "198.51.100.0/24" }));
        Assert.That(written["worker_count"]!.GetValue<int>(), Is.EqualTo(2));
        Assert.That(written["host_public_keys"]!["seed-worker-2"]!.GetValue<string>(), Is.EqualTo("ssh-ed25519 AAAAw2 seed-worker-2"));
        Assert.That(written["auth_url"]!.GetValue<string>(), Is.EqualTo("https://keystone.example.org/v3"));
        Assert.That(written["admin_public_key"]!.GetValue<string>(), Does.StartWith("ssh-ed25519 "));
        Assert.That(File.ReadAllText(layout.PublicVarFile), Does.Not.Contain("secret-line").And.Not.Contain("PRIVATE"));

        var secret = File.ReadAllText(layout.SecretVarFile);
        Assert.That(JsonNode.Parse(secret)!["host_private_keys"]!["seed-cp-1"]!.GetValue<string>(), Does.Contain("cp-secret-line"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.That(File.GetUnixFileMode(layout.SecretVarFile), Is.EqualTo(UnixFileMode.UserRead | UnixFileMode.UserWrite));
            Assert.That(File.GetUnixFileMode(layout.WorkDirectory), Is.EqualTo(TerraformLayout.OwnerOnlyDirectory));
        }
    }

    [Test]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void Work_directory_is_owner_only_even_when_it_existed_world_readable()
    {
        using var repo = new TempRepo();
        var layout = TerraformLayout.For(repo.Settings("Plan"));
        layout.PrepareWorkDirectory();
        Assert.That(File.GetUnixFileMode(layout.WorkDirectory), Is.EqualTo(TerraformLayout.OwnerOnlyDirectory), "created 0700");

        File.SetUnixFileMode(layout.WorkDirectory, TerraformLayout.OwnerOnlyDirectory | UnixFileMode.GroupRead | UnixFileMode.GroupExecute
            | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        layout.PrepareWorkDirectory();
        Assert.That(File.GetUnixFileMode(layout.WorkDirectory), Is.EqualTo(TerraformLayout.OwnerOnlyDirectory), "an existing 0755 folder is tightened");
    }

    [Test]
    public void Every_root_module_variable_without_a_default_gets_a_value()
    {
        // Holds terraform/variables.tf and PublicVariables in step: a new required variable must be fed by the suite.
        var text = File.ReadAllText(Support.Repo.PathOf("terraform", "variables.tf"));
        var blocks = System.Text.RegularExpressions.Regex.Matches(text, "variable \"(?<name>[a-z_]+)\" \\{(?<body>.*?)\\n\\}", System.Text.RegularExpressions.RegexOptions.Singleline);
        using var repo = new TempRepo();
        var provided = TerraformPlanner.PublicVariables(repo.Settings("Plan"), Credentials(), "ssh-ed25519 AAAA a", Keys).Select(p => p.Key)
            .Concat(TerraformPlanner.SecretVariables(Keys).Select(p => p.Key)).ToHashSet();
        var declared = blocks.Select(m => m.Groups["name"].Value).ToList();
        // Set through the environment (TF_VAR_<name>) until there is a setting for it: terraform/README.md says how.
        string[] environmentOnly = ["csi_block_storage_service_type"];
        Assert.That(declared, Has.Count.GreaterThan(20));
        Assert.That(declared.Where(n => !provided.Contains(n) && !environmentOnly.Contains(n)), Is.Empty, "root variables the suite does not set");
        Assert.That(blocks.Where(m => environmentOnly.Contains(m.Groups["name"].Value)).Select(m => m.Groups["body"].Value), Has.All.Contain("default"),
            "a variable the suite does not set needs a default");
        Assert.That(provided.Where(n => !declared.Contains(n)), Is.Empty, "values the root module does not declare");
    }

    [Test]
    public void Admin_public_key_must_be_a_public_key()
    {
        using var repo = new TempRepo();
        File.WriteAllText(repo.AdminPublicKeyPath, "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n");
        var e = Assert.Throws<global::Platform.Build.Settings.SettingsException>(() => TerraformPlanner.ReadAdminPublicKey(repo.Settings("Plan")))!;
        Assert.That(e.Errors.Single().Key, Is.EqualTo("openstack.sshPublicKeyPath"));
        File.Delete(repo.AdminPublicKeyPath);
        e = Assert.Throws<global::Platform.Build.Settings.SettingsException>(() => TerraformPlanner.ReadAdminPublicKey(repo.Settings("Plan")))!;
        Assert.That(e.Errors.Single().Problem, Does.Contain("names no file"));
    }

    [Test]
    public void Node_layout_names_and_groups()
    {
        Assert.That(NodeLayout.For("seed", 1, 2).Select(n => $"{n.Name}:{n.Role}"),
            Is.EqualTo(new[] { "seed-cp-1:control-plane", "seed-worker-1:worker", "seed-worker-2:worker" }));
        Assert.That(NodeLayout.SecurityGroups("seed"), Is.EqualTo(new[] { "seed-admin", "seed-control-plane", "seed-ingress", "seed-node" }));
    }
}
