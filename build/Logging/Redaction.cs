using System.Collections.Concurrent;

namespace Platform.Build.Logging;

/// <summary>
/// Process-wide list of secret values. Anything the suite prints or puts in an exception passes through
/// <see cref="Apply"/>, so a secret registered once never reaches a log, even inside a tool's stderr.
/// </summary>
public static class Redaction
{
    public const string Mask = "***";
    private static readonly ConcurrentDictionary<string, byte> Secrets = new(StringComparer.Ordinal);

    /// <summary>Registers a secret. Values shorter than 4 characters are ignored: masking them would garble logs.</summary>
    public static void Register(string? secret)
    {
        if (!string.IsNullOrEmpty(secret) && secret.Length >= 4) Secrets[secret] = 0;
    }

    public static string Apply(string? text)
    {
        if (string.IsNullOrEmpty(text)) return text ?? string.Empty;
        // Longest first, so a secret that contains another is masked whole.
        foreach (var secret in Secrets.Keys.OrderByDescending(s => s.Length))
            text = text.Replace(secret, Mask, StringComparison.Ordinal);
        return text;
    }
}
