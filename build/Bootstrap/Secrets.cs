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

/// <summary>
/// What a worker joins with: a fresh bootstrap token (printed by `kubeadm token create`) and the cluster CA, both read
/// from the control plane over the host-key-pinned SSH connection. The token is registered for redaction.
/// </summary>
public sealed record JoinCredentials(string Token, string CaCertificate)
{
    private const string PemStart = "-----BEGIN CERTIFICATE-----";

    /// <summary>Parses <see cref="RemoteCommands.CreateJoinCredentials"/>'s output: the token's line, then the CA.</summary>
    public static JoinCredentials Parse(string output)
    {
        var pem = output.IndexOf(PemStart, StringComparison.Ordinal);
        return pem < 0 ? Parse(output, "") : Parse(output[..pem], output[pem..]);
    }

    public static JoinCredentials Parse(string tokenOutput, string caCertificate)
    {
        var token = tokenOutput.Split('\n').Select(l => l.Trim()).LastOrDefault(l => l.Length > 0) ?? "";
        if (!BootstrapToken.IsValid(token))
            throw new FormatException("`kubeadm token create` printed no bootstrap token ('[a-z0-9]{6}.[a-z0-9]{16}').");
        Redaction.Register(token);
        Redaction.Register(token[7..]);
        var ca = caCertificate.Trim();
        if (!ca.StartsWith(PemStart, StringComparison.Ordinal) || !ca.EndsWith("-----END CERTIFICATE-----", StringComparison.Ordinal))
            throw new FormatException($"{NodePaths.CaCertificate} on the control plane is not a PEM certificate; the workers cannot trust the API server without it.");
        return new JoinCredentials(token, ca + "\n");
    }

    public override string ToString() => "JoinCredentials { Token = (redacted) }";
}
