using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace Platform.Build.Bootstrap;

/// <summary>One host public key pinned in the inventory (an OpenSSH public key line).</summary>
public sealed record PinnedHostKey(string KeyType, byte[] Blob)
{
    public string Fingerprint => HostKeyFingerprint.Sha256(Blob);

    /// <summary>The host key algorithms SSH may negotiate for this key type (RSA keys sign with SHA-2 variants).</summary>
    public IReadOnlyList<string> Algorithms => KeyType == "ssh-rsa" ? ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"] : [KeyType];

    public static bool TryParse(string line, [NotNullWhen(true)] out PinnedHostKey? key, out string problem)
    {
        key = null;
        var parts = line.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) { problem = "is not '<type> <base64> [comment]'."; return false; }
        byte[] blob;
        try { blob = Convert.FromBase64String(parts[1]); }
        catch (FormatException) { problem = "has a key body that is not base64."; return false; }
        // The blob starts with its own type name (uint32 length + ASCII); it must agree with the line's type.
        if (blob.Length < 4) { problem = "has an empty key body."; return false; }
        var length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
        if (length <= 0 || 4 + length > blob.Length || System.Text.Encoding.ASCII.GetString(blob, 4, length) != parts[0])
        {
            problem = $"has a key body that is not a '{parts[0]}' key.";
            return false;
        }
        key = new PinnedHostKey(parts[0], blob);
        problem = "";
        return true;
    }

    public static PinnedHostKey Parse(string line) =>
        TryParse(line, out var key, out var problem) ? key : throw new FormatException($"Host key '{line}' {problem}");
}

public static class HostKeyFingerprint
{
    /// <summary>The OpenSSH SHA256 fingerprint ("SHA256:" + unpadded base64), as `ssh-keygen -l -E sha256` prints.</summary>
    public static string Sha256(byte[] blob) => "SHA256:" + Convert.ToBase64String(SHA256.HashData(blob)).TrimEnd('=');
}

/// <summary>Decides whether a presented host key is one of the node's pinned keys. No trust on first use.</summary>
public sealed class HostKeyPolicy(string nodeName, string address, IReadOnlyList<PinnedHostKey> pinned)
{
    public string NodeName { get; } = nodeName;
    public string Address { get; } = address;
    public IReadOnlyList<PinnedHostKey> Pinned { get; } = pinned;

    public bool Accepts(byte[] presented) => Pinned.Any(p => p.Blob.AsSpan().SequenceEqual(presented));

    public HostKeyMismatchException Mismatch(byte[] presented, string presentedType) =>
        new(NodeName, Address, Pinned.Select(p => $"{p.KeyType} {p.Fingerprint}").ToList(),
            $"{presentedType} {HostKeyFingerprint.Sha256(presented)}");
}

/// <summary>The host presented a key that is not pinned. Never retried: it may be a man-in-the-middle.</summary>
public sealed class HostKeyMismatchException(string node, string address, IReadOnlyList<string> expected, string presented)
    : Exception($"Host key mismatch on {node} ({address}): the inventory pins {string.Join(" or ", expected)}, " +
                $"but the host presented {presented}. Aborted before running any command on {node}. " +
                "If the VM was rebuilt, run Provision again so the inventory pins its new keys; otherwise treat this as a " +
                "possible man-in-the-middle and check the network path before retrying.")
{
    public string Node { get; } = node;
    public string Address { get; } = address;
    public IReadOnlyList<string> Expected { get; } = expected;
    public string Presented { get; } = presented;
}
