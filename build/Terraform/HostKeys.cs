using Platform.Build.Files;
using Platform.Build.Logging;
using Platform.Build.Tools;

namespace Platform.Build.Terraform;

/// <summary>One node's pinned SSH host key pair. The private key is secret: never logged, only in 0600 files.</summary>
public sealed record HostKey(string Node, string PrivateKey, string PublicKey)
{
    public override string ToString() => $"HostKey {{ Node = {Node}, PublicKey = {PublicKey} }}";
}

/// <summary>
/// Pinned SSH host keys under artifacts/terraform/host-keys/&lt;node&gt;/ (0700, outside Git). Generated once, before
/// the first Plan, and reused afterwards: a new key would change the user data and replace the VM.
/// </summary>
public sealed class HostKeyStore(string directory)
{
    public const string KeyFile = "ssh_host_ed25519_key";

    public string Directory { get; } = directory;

    public string PrivateKeyPath(string node) => Path.Combine(Directory, node, KeyFile);

    /// <summary>ssh-keygen commands for the nodes that have no key yet.</summary>
    public IReadOnlyList<ToolCommand> MissingKeyCommands(IEnumerable<string> nodes) =>
        nodes.Where(n => !File.Exists(PrivateKeyPath(n)) || !File.Exists(PrivateKeyPath(n) + ".pub"))
            .Select(n => SshKeygen.Generate(PrivateKeyPath(n), "ed25519", n))
            .ToList();

    public void PrepareFolders(IEnumerable<string> nodes)
    {
        foreach (var dir in new[] { Directory }.Concat(nodes.Select(n => Path.Combine(Directory, n))))
            TerraformLayout.CreateOwnerOnlyDirectory(dir);
    }

    public async Task GenerateMissingAsync(ToolRunner runner, IReadOnlyList<string> nodes, CancellationToken ct = default)
    {
        PrepareFolders(nodes);
        foreach (var command in MissingKeyCommands(nodes))
        {
            var file = command.Arguments[^1];
            // ssh-keygen refuses to overwrite; a half pair (one file lost) is regenerated whole.
            File.Delete(file);
            File.Delete(file + ".pub");
            await runner.RunAsync(command, ct).ConfigureAwait(false);
        }
    }

    public IReadOnlyList<HostKey> Load(IEnumerable<string> nodes) =>
        nodes.Select(n =>
        {
            var path = PrivateKeyPath(n);
            if (!File.Exists(path) || !File.Exists(path + ".pub"))
                throw new FileNotFoundException($"The pinned host key of {n} is missing at {path}. Run ./build.sh --target=Plan to generate it.", path);
            SecureFile.Restrict(path);
            var key = new HostKey(n, File.ReadAllText(path), File.ReadAllText(path + ".pub").Trim());
            RegisterSecret(key.PrivateKey);
            return key;
        }).ToList();

    /// <summary>Masks the whole private key and each of its base64 lines, wherever they might be printed.</summary>
    public static void RegisterSecret(string privateKey)
    {
        Redaction.Register(privateKey);
        Redaction.Register(privateKey.Trim());
        foreach (var line in privateKey.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            if (!line.StartsWith("-----", StringComparison.Ordinal)) Redaction.Register(line);
    }
}
