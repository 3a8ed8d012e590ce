using System.Globalization;
using System.Text.RegularExpressions;

namespace Platform.Build.Environments;

/// <summary>
/// Kubernetes resource quantities ("250m", "1.5", "512Mi", "1G", "2e3") as plain numbers: CPU in millicores,
/// memory in bytes. Follows the API's suffixes: decimal m, k, M, G, T, P, E (and n, u), binary Ki..Ei.
/// </summary>
public static partial class Quantity
{
    [GeneratedRegex(@"^(?<number>[+-]?(\d+\.?\d*|\.\d+))(?<exponent>[eE][+-]?\d+)?(?<suffix>n|u|m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")]
    private static partial Regex Pattern();

    /// <summary>The quantity in its base unit (cores for CPU, bytes for memory).</summary>
    public static decimal Parse(string text)
    {
        var match = Pattern().Match(text.Trim());
        if (text.Trim().Length == 0 || !match.Success)
            throw new FormatException($"'{text}' is not a Kubernetes quantity; use e.g. 250m, 0.5, 512Mi or 1G.");
        var number = decimal.Parse(match.Groups["number"].Value, NumberStyles.Float, CultureInfo.InvariantCulture);
        if (match.Groups["exponent"].Success)
            number *= Pow(10m, int.Parse(match.Groups["exponent"].Value[1..], CultureInfo.InvariantCulture));
        return number * match.Groups["suffix"].Value switch
        {
            "" => 1m,
            "n" => 0.000000001m,
            "u" => 0.000001m,
            "m" => 0.001m,
            "k" => 1e3m,
            "M" => 1e6m,
            "G" => 1e9m,
            "T" => 1e12m,
            "P" => 1e15m,
            "E" => 1e18m,
            "Ki" => 1024m,
            "Mi" => 1024m * 1024,
            "Gi" => 1024m * 1024 * 1024,
            "Ti" => 1024m * 1024 * 1024 * 1024,
            "Pi" => 1024m * 1024 * 1024 * 1024 * 1024,
            "Ei" => 1024m * 1024 * 1024 * 1024 * 1024 * 1024,
            var s => throw new FormatException($"'{text}': unknown suffix '{s}'."),
        };
    }

    /// <summary>CPU in millicores, rounded up as the kubelet does ("0.1" = 100, "1" = 1000).</summary>
    public static long CpuMillis(string text) => (long)Math.Ceiling(Parse(text) * 1000m);

    /// <summary>Memory or storage in bytes, rounded up.</summary>
    public static long Bytes(string text) => (long)Math.Ceiling(Parse(text));

    public static string FormatCpu(long millis) =>
        millis % 1000 == 0 ? (millis / 1000).ToString(CultureInfo.InvariantCulture) : millis.ToString(CultureInfo.InvariantCulture) + "m";

    public static string FormatMemory(long bytes) =>
        (bytes / (1024d * 1024 * 1024)) >= 1
            ? (bytes / (1024d * 1024 * 1024)).ToString("0.##", CultureInfo.InvariantCulture) + "Gi"
            : (bytes / (1024d * 1024)).ToString("0.##", CultureInfo.InvariantCulture) + "Mi";

    private static decimal Pow(decimal b, int e)
    {
        var result = 1m;
        for (var i = 0; i < Math.Abs(e); i++) result *= b;
        return e < 0 ? 1m / result : result;
    }
}
