using System.Text.Json;

namespace Platform.Build.Bootstrap;

/// <summary>
/// The record of finished steps (artifacts/bootstrap/state.json), so a re-run after a failure resumes where it
/// stopped. Keyed by the cluster's identity: a state from another cluster (new VMs, new keys) is ignored. No secrets.
/// </summary>
public sealed class BootstrapState
{
    public string ClusterId { get; set; } = "";
    public Dictionary<string, DateTimeOffset> Finished { get; set; } = new(StringComparer.Ordinal);

    public bool IsDone(BootstrapStep step) => Finished.ContainsKey(step.Id);

    /// <summary>Identity of a cluster: the entry address and every node's name, address and pinned keys.</summary>
    public static string IdOf(BootstrapSpec spec)
    {
        var inv = spec.Inventory;
        var text = string.Join('\n', new[] { inv.PublicIp, inv.ApiPrivateEndpoint }
            .Concat(inv.Nodes.OrderBy(n => n.Name, StringComparer.Ordinal)
                .Select(n => $"{n.Name}|{n.Role}|{n.PrivateIp}|{string.Join(',', n.HostPublicKeys.Select(k => PinnedHostKey.Parse(k).Fingerprint))}")));
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..16];
    }

    public static BootstrapState Load(string path, string clusterId)
    {
        if (!File.Exists(path)) return new BootstrapState { ClusterId = clusterId };
        BootstrapState? state;
        try { state = JsonSerializer.Deserialize<BootstrapState>(File.ReadAllText(path)); }
        catch (JsonException) { state = null; }
        return state is not null && state.ClusterId == clusterId ? state : new BootstrapState { ClusterId = clusterId };
    }

    private readonly object _gate = new();

    /// <summary>Records a finished step and saves at once (atomically), so a crash right after loses nothing.</summary>
    public void MarkDone(BootstrapStep step, string path, DateTimeOffset now)
    {
        lock (_gate)
        {
            Finished[step.Id] = now;
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
            var temp = path + ".tmp";
            File.WriteAllText(temp, JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
            File.Move(temp, path, overwrite: true);
        }
    }

    public void Forget(BootstrapStep step) { lock (_gate) Finished.Remove(step.Id); }
}
