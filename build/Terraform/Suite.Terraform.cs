using Platform.Build.Files;
using System.Diagnostics;
using Platform.Build.Inventory;
using Platform.Build.Reporting;
using Platform.Build.Terraform;
using Platform.Build.Tools;

namespace Platform.Build;

// Plan / Provision / Destroy: terraform over the root module in terraform/. Settings and credentials are checked before
// any tool runs; every generated file (host keys, var files, plan, local state, cloud.conf) stays under artifacts/terraform/.
public sealed partial class Suite
{
    /// <summary>Pinned SSH host keys, terraform init with the configured backend, terraform plan to artifacts/terraform/platform.tfplan.</summary>
    public void Plan() => Run(() => PlanAsync());

    /// <summary>Applies the saved plan, then writes artifacts/inventory.json and the CSI cloud.conf (0600).</summary>
    public void Provision() => Run(() => ProvisionAsync());

    /// <summary>terraform destroy of everything Provision created.</summary>
    public void Destroy() => Run(() => DestroyAsync());

    internal async Task PlanAsync(CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var credentials = CheckCloudCredentials("Plan");
        var adminKey = TerraformPlanner.ReadAdminPublicKey(Settings);
        var layout = TerraformLayout.For(Settings);

        var hostKeys = await PrepareInputsAsync(layout, credentials, adminKey, ct).ConfigureAwait(false);
        Summary.Add("Plan", "SSH host keys", StepStatus.Passed, $"{hostKeys.Count} pinned ed25519 keys in {layout.HostKeyDirectory} (0600)");

        await InitAsync(layout, credentials, "Plan", ct).ConfigureAwait(false);
        File.Delete(layout.PlanFile);
        Log.Info($"terraform plan -> {layout.PlanFile}");
        // A plan file carries every variable value, the private host keys included. terraform creates it with its own
        // umask, so the folder is made 0700 first (nobody else can reach the file at any moment), then the file 0600.
        layout.PrepareWorkDirectory();
        var plan = await RunWithProgressAsync(TerraformPlanner.Plan(layout, credentials), "terraform plan", ct).ConfigureAwait(false);
        SecureFile.Restrict(layout.PlanFile);
        Summary.Add("Plan", "terraform plan", StepStatus.Passed,
            (plan.ExitCode == 2 ? "changes planned" : "no changes") + $"; plan file {layout.PlanFile}", watch.Elapsed);
    }

    internal async Task ProvisionAsync(CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var credentials = CheckCloudCredentials("Provision");
        var layout = TerraformLayout.For(Settings);
        if (!File.Exists(layout.PlanFile))
            throw new FileNotFoundException($"No saved plan at {layout.PlanFile}. Run ./build.sh --target=Plan first.", layout.PlanFile);
        // apply writes the local state (with the CSI secret) into the work folder: keep it owner-only.
        layout.PrepareWorkDirectory();

        Log.Info("terraform apply of the saved plan (creating network, security groups, floating IP and VMs; several minutes)");
        await RunWithProgressAsync(TerraformPlanner.Apply(layout, credentials), "terraform apply", ct).ConfigureAwait(false);
        // A saved plan is stale once applied; the next Plan writes a fresh one.
        File.Delete(layout.PlanFile);
        Summary.Add("Provision", "terraform apply", StepStatus.Passed, "applied the saved plan", watch.Elapsed);

        var output = await Runner.RunAsync(TerraformPlanner.Output(layout, credentials), ct).ConfigureAwait(false);
        var csi = InventoryParser.CsiCloudConf(output.StandardOutput);
        if (csi is not null)
        {
            RegisterCloudConfSecrets(csi);
            SecureFile.WriteAllText(layout.CsiCloudConfFile, csi);
            Summary.Add("Provision", "Cinder CSI cloud.conf", StepStatus.Passed, $"{layout.CsiCloudConfFile} (0600, application credential)");
        }
        var inventory = InventoryParser.FromTerraformOutput(output.StandardOutput);
        var inventoryPath = OutputPath(ClusterInventory.FileName);
        inventory.Save(inventoryPath);
        Log.Info($"Inventory: {inventory.Nodes.Count} nodes, public IP {inventory.PublicIp} ({inventory.FloatingIpMode}) -> {inventoryPath}");
        Summary.Add("Provision", "inventory", StepStatus.Passed,
            $"{inventory.Nodes.Count} nodes, public IP {inventory.PublicIp}, SSH entry {inventory.SshEntry.User}@{inventory.SshEntry.Host}:{inventory.SshEntry.Port}");
    }

    internal async Task DestroyAsync(CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var credentials = CheckCloudCredentials("Destroy");
        var adminKey = TerraformPlanner.ReadAdminPublicKey(Settings);
        var layout = TerraformLayout.For(Settings);
        // destroy needs every variable; keys already pinned are reused (fresh ones only where none exist, e.g. remote state).
        await PrepareInputsAsync(layout, credentials, adminKey, ct).ConfigureAwait(false);
        await InitAsync(layout, credentials, "Destroy", ct).ConfigureAwait(false);
        Log.Info("terraform destroy (several minutes)");
        await RunWithProgressAsync(TerraformPlanner.Destroy(layout, credentials), "terraform destroy", ct).ConfigureAwait(false);
        File.Delete(layout.PlanFile);
        File.Delete(layout.CsiCloudConfFile);
        Summary.Add("Destroy", "terraform destroy", StepStatus.Passed, "everything in the Terraform state is gone", watch.Elapsed);
    }

    private CloudCredentials CheckCloudCredentials(string step)
    {
        var credentials = CloudCredentials.Check(Settings, Environment);
        foreach (var warning in credentials.Warnings) Log.Warn(warning);
        Summary.Add(step, "OpenStack credentials", credentials.Warnings.Count == 0 ? StepStatus.Passed : StepStatus.Warning,
            credentials.Source + (credentials.Warnings.Count == 0 ? "" : "; application credential: must be unrestricted to create the CSI credential (see the warning)"));
        return credentials;
    }

    /// <summary>Generates missing host keys, then writes the public var file and the 0600 secret var file.</summary>
    private async Task<IReadOnlyList<HostKey>> PrepareInputsAsync(TerraformLayout layout, CloudCredentials credentials, string adminKey,
        CancellationToken ct)
    {
        var nodes = NodeLayout.For(Settings).Select(n => n.Name).ToList();
        layout.PrepareWorkDirectory();
        var store = new HostKeyStore(layout.HostKeyDirectory);
        var missing = store.MissingKeyCommands(nodes).Count;
        if (missing > 0) Log.Info($"Generating {missing} pinned SSH host key(s) with ssh-keygen");
        await store.GenerateMissingAsync(Runner, nodes, ct).ConfigureAwait(false);
        var keys = store.Load(nodes);
        TerraformPlanner.WriteVarFiles(layout,
            TerraformPlanner.PublicVariables(Settings, credentials, adminKey, keys),
            TerraformPlanner.SecretVariables(keys));
        return keys;
    }

    private async Task InitAsync(TerraformLayout layout, CloudCredentials credentials, string step, CancellationToken ct)
    {
        var backend = Settings.Get("terraform.backend");
        await File.WriteAllTextAsync(layout.BackendFile, TerraformPlanner.BackendFileContent(backend), ct).ConfigureAwait(false);
        Log.Info($"terraform init (backend {backend})");
        await RunWithProgressAsync(TerraformPlanner.Init(Settings, layout, credentials), "terraform init", ct).ConfigureAwait(false);
        Summary.Add(step, "terraform init", StepStatus.Passed, $"backend {backend}" + (backend == "local" ? $" ({layout.LocalStateFile})" : ""));
    }

    /// <summary>Runs a long terraform command, printing a heartbeat every 30 s so a slow cloud does not look hung.</summary>
    private async Task<ToolResult> RunWithProgressAsync(ToolCommand command, string label, CancellationToken ct)
    {
        var watch = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var heartbeat = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try { await Task.Delay(TimeSpan.FromSeconds(30), stop.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) { return; }
                Log.Info($"  {label}: still running ({watch.Elapsed.TotalSeconds:0}s)");
            }
        }, CancellationToken.None);
        try
        {
            return await Runner.RunAsync(command, ct).ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await heartbeat.ConfigureAwait(false);
        }
    }

    private static void RegisterCloudConfSecrets(string cloudConf)
    {
        foreach (var line in cloudConf.Split('\n'))
        {
            var parts = line.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length == 2 && parts[0] == "application-credential-secret") Logging.Redaction.Register(parts[1].Trim('"'));
        }
    }
}
