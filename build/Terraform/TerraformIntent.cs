using System.Text.Json;
using System.Text.Json.Nodes;
using Platform.Build.Inventory;
using Platform.Build.Settings;
using Platform.Build.Tools;

namespace Platform.Build.Terraform;

/// <summary>
/// The intended security groups, rules and address plan for the given settings, computed by the same provider-free
/// modules the provisioning uses (terraform/intent applies terraform/modules/rule-matrix and address-plan into a
/// throwaway local state in a temp folder; no provider, no network, about a second). The Audit target compares the
/// live cloud with it.
/// </summary>
public static class TerraformIntent
{
    public sealed record Result(SecurityIntent Intent, IReadOnlyList<NodeLayout.PlannedNode> Nodes, IReadOnlyList<string> RuleKeys);

    public static async Task<SecurityIntent> LoadAsync(ToolRunner runner, PlatformSettings settings, CancellationToken ct) =>
        (await LoadWithNodesAsync(runner, settings, ct).ConfigureAwait(false)).Intent;

    public static async Task<Result> LoadWithNodesAsync(ToolRunner runner, PlatformSettings settings, CancellationToken ct)
    {
        if (settings.GetList("openstack.adminCidrs").Count == 0)
            throw new SettingsException([new SettingError("openstack.adminCidrs", null, "is empty; the security intent needs the admin ranges.",
                "set openstack.adminCidrs, e.g. 203.0.113.0/24.")]);

        var source = Path.Combine(settings.RepositoryRoot, "terraform");
        var work = Path.Combine(Path.GetTempPath(), "platform-intent-" + Guid.NewGuid().ToString("N")[..12]);
        try
        {
            CopyConfiguration(Path.Combine(source, "intent"), Path.Combine(work, "intent"));
            CopyConfiguration(Path.Combine(source, "modules"), Path.Combine(work, "modules"));
            var dir = Path.Combine(work, "intent");
            var varFile = Path.Combine(work, "intent.tfvars.json");
            await File.WriteAllTextAsync(varFile, Variables(settings).ToJsonString(), ct).ConfigureAwait(false);
            var environment = new Dictionary<string, string?> { ["TF_DATA_DIR"] = Path.Combine(work, ".terraform") };

            await runner.RunAsync(TerraformCli.Init(dir, environment, []) with { StreamOutput = false }, ct).ConfigureAwait(false);
            await runner.RunAsync(TerraformCli.ApplyVariables(dir, environment, varFile), ct).ConfigureAwait(false);
            var output = await runner.RunAsync(TerraformCli.OutputJson(dir, environment, "intent"), ct).ConfigureAwait(false);
            return Parse(output.StandardOutput);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { /* a temp folder left behind is harmless */ }
        }
    }

    /// <summary>The intent root's variables from the settings.</summary>
    public static JsonObject Variables(PlatformSettings settings) => new()
    {
        ["platform_name"] = settings.Get("platform.name"),
        ["admin_cidrs"] = new JsonArray([.. settings.GetList("openstack.adminCidrs").Select(c => (JsonNode)JsonValue.Create(c))]),
        ["node_cidr"] = settings.Get("network.nodeCidr"),
        ["pod_cidr"] = settings.Get("network.podCidr"),
        ["service_cidr"] = settings.Get("network.serviceCidr"),
        ["worker_count"] = settings.GetInt("openstack.workerCount"),
        ["calico_encapsulation"] = settings.Get("network.calicoEncapsulation"),
    };

    /// <summary>Parses `terraform output -json intent` (the value itself, not wrapped).</summary>
    public static Result Parse(string json)
    {
        var shape = JsonSerializer.Deserialize<IntentOutput>(json, ClusterInventory.Json)
            ?? throw new InvalidDataException("terraform output 'intent' is empty.");
        var rules = shape.Rules.Select(r => new SecurityRule(r.Group, r.Direction, r.EtherType, r.Protocol, r.PortMin, r.PortMax,
            r.RemoteCidr, r.RemoteGroup, r.Description)).ToList();
        return new Result(new SecurityIntent(shape.Platform, shape.Groups, rules, shape.Network),
            shape.Nodes.Select(n => new NodeLayout.PlannedNode(n.Name, n.Role)).ToList(),
            shape.Rules.Select(r => r.Key).ToList());
    }

    private static void CopyConfiguration(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*.tf", SearchOption.AllDirectories)
                     .Concat(Directory.EnumerateFiles(from, "*.sh", SearchOption.AllDirectories)))
        {
            var relative = Path.GetRelativePath(from, file);
            if (relative.Split(Path.DirectorySeparatorChar).Any(p => p == ".terraform")) continue;
            var target = Path.Combine(to, relative);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    private sealed record IntentOutput(string Platform, IReadOnlyList<string> Groups, IReadOnlyList<IntentRule> Rules, NetworkPlan Network,
        IReadOnlyList<IntentNode> Nodes);

    private sealed record IntentRule(string Key, string Group, string Direction, string EtherType, string? Protocol, int? PortMin, int? PortMax,
        string? RemoteCidr, string? RemoteGroup, string Description);

    private sealed record IntentNode(string Name, string Role, string PrivateIp);
}
