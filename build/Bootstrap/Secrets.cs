using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Platform.Build.Logging;

namespace Platform.Build.Bootstrap;

/// <summary>
/// The key that encrypts Secrets at rest: 32 random bytes for the secretbox provider (XSalsa20-Poly1305; no nonce
/// reuse limit, unlike aesgcm). Generated at deploy time, registered with <see cref="Redaction"/>, never stored locally.
/// </summary>
public sealed record EncryptionKey(string Name, string Secret)
{
    public const string Provider = "secretbox";

    public static EncryptionKey Generate(DateTimeOffset now)
    {
        var secret = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        Redaction.Register(secret);
        return new EncryptionKey($"key-{now:yyyyMMddHHmmss}", secret);
    }
}

/// <summary>A kubeadm bootstrap token ("[a-z0-9]{6}.[a-z0-9]{16}"), generated locally and redacted.</summary>
public static partial class BootstrapToken
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    public static string Generate()
    {
        var token = RandomNumberGenerator.GetString(Alphabet, 6) + "." + RandomNumberGenerator.GetString(Alphabet, 16);
        Redaction.Register(token);
        Redaction.Register(token[7..]);
        return token;
    }

    public static bool IsValid(string token) => Pattern().IsMatch(token);

    [GeneratedRegex("^[a-z0-9]{6}\\.[a-z0-9]{16}$")]
    private static partial Regex Pattern();
}

/// <summary>What `kubeadm token create --print-join-command` prints, parsed. The token is registered for redaction.</summary>
public sealed record JoinCommand(string ApiServerEndpoint, string Token, IReadOnlyList<string> CaCertHashes)
{
    public static JoinCommand Parse(string output)
    {
        var line = output.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.StartsWith("kubeadm join ", StringComparison.Ordinal))
                   ?? throw new FormatException("`kubeadm token create --print-join-command` printed no 'kubeadm join' line.");
        var words = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        string? token = null;
        var hashes = new List<string>();
        for (var i = 2; i < words.Length - 1; i++)
        {
            if (words[i] == "--token") token = words[i + 1];
            if (words[i] == "--discovery-token-ca-cert-hash") hashes.Add(words[i + 1]);
        }
        if (token is null || !BootstrapToken.IsValid(token))
            throw new FormatException("The join command has no valid --token.");
        Redaction.Register(token);
        Redaction.Register(token[7..]);
        if (hashes.Count == 0 || hashes.Any(h => !Regex.IsMatch(h, "^sha256:[0-9a-f]{64}$")))
            throw new FormatException("The join command has no valid --discovery-token-ca-cert-hash (sha256:<64 hex>); joining without it would trust any API server.");
        return new JoinCommand(words[2], token, hashes);
    }
}
