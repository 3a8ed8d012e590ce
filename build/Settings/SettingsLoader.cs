using System.Globalization;
using System.Net;
using YamlDotNet.RepresentationModel;

namespace Platform.Build.Settings;

/// <summary>
/// Builds <see cref="PlatformSettings"/> from, in rising precedence: defaults, the settings file, PLATFORM_* environment
/// variables, and --key=value arguments. Secrets come only from their environment variable. Every problem is collected
/// and reported at once, before any tool runs.
/// </summary>
public static class SettingsLoader
{
    public const string DefaultFile = "settings.yaml";
    public const string FileArgument = "settings-file";

    /// <summary>Arguments that belong to Cake or the bootstrapper, not to the settings.</summary>
    private static readonly HashSet<string> RunnerArguments = new(StringComparer.OrdinalIgnoreCase)
    {
        "target", "verbosity", "v", "tree", "description", "showdescription", "dryrun", "noop", "whatif", "exclusive", "e",
        "help", "h", "version", "info", "debug", "d", "bootstrap", "skip-bootstrap", "paths_tools", "paths_addins",
        "paths_modules", "settings_skipverification", "settings_enablescriptcache", FileArgument,
    };

    public static PlatformSettings Load(string repositoryRoot, string target,
        IReadOnlyDictionary<string, string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var errors = new List<SettingError>();
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var sources = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

        foreach (var d in SettingsCatalog.All.Where(d => d.Default is not null))
            Set(d.Key, d.Default!, "default");

        var file = arguments.TryGetValue(FileArgument, out var f) && f.Length > 0
            ? Path.GetFullPath(f, repositoryRoot)
            : Path.Combine(repositoryRoot, DefaultFile);
        if (File.Exists(file))
            ReadFile(file, errors, (k, v) => Set(k, v, Path.GetFileName(file)));
        else if (arguments.ContainsKey(FileArgument))
            errors.Add(new SettingError(FileArgument, f, "names a file that does not exist.", "pass the path of a YAML settings file."));

        foreach (var d in SettingsCatalog.All)
        {
            if (environment.TryGetValue(d.EnvironmentVariable, out var v))
                Set(d.Key, v, "$" + d.EnvironmentVariable);
        }

        foreach (var (name, value) in arguments)
        {
            if (RunnerArguments.Contains(name)) continue;
            var d = SettingsCatalog.FindArgument(name);
            if (d is null)
            {
                // Dashed or dotted names can only be settings; a typo there must not pass silently.
                if (name.Contains('.') || name.Contains('-'))
                    errors.Add(new SettingError(name, value, "is not a known setting.", $"check the spelling; ./build.sh --target=Settings lists them. {Suggest(name)}"));
                continue;
            }
            if (d.Secret)
            {
                errors.Add(new SettingError(d.Key, null, "is a secret and cannot be passed as an argument (it would land in shell history and process lists).",
                    $"export {d.EnvironmentVariable} instead."));
                continue;
            }
            Set(d.Key, value, "--" + d.ArgumentName);
        }

        foreach (var d in SettingsCatalog.All)
        {
            values.TryGetValue(d.Key, out var value);
            value ??= string.Empty;
            if (value.Length == 0)
            {
                if (d.RequiredFor.Contains(target, StringComparer.OrdinalIgnoreCase))
                    errors.Add(new SettingError(d.Key, null, $"is required by target '{target}' but is empty.",
                        $"set it in {DefaultFile}, as {d.EnvironmentVariable}, or with --{d.ArgumentName}=<value>. ({d.Description})"));
                continue;
            }
            if (d.Secret) Logging.Redaction.Register(value);
            errors.AddRange(CheckValue(d, value));
        }

        var settings = new PlatformSettings(repositoryRoot, target, values, sources);
        if (errors.Count == 0)
            foreach (var check in SettingsCatalog.CrossChecks) errors.AddRange(check(settings));

        if (errors.Count > 0) throw new SettingsException(errors);
        return settings;

        void Set(string key, string value, string source)
        {
            var d = SettingsCatalog.Find(key);
            if (d is null) return;
            if (d.Secret && !source.StartsWith('$'))
            {
                errors.Add(new SettingError(d.Key, null, $"is a secret and was found in {source}.", $"remove it there and export {d.EnvironmentVariable}."));
                return;
            }
            values[d.Key] = value.Trim();
            sources[d.Key] = source;
        }
    }

    internal static IEnumerable<SettingError> CheckValue(SettingDefinition d, string value)
    {
        var shown = d.Secret ? Logging.Redaction.Mask : value;
        var items = d.Kind is SettingKind.List or SettingKind.CidrList
            ? value.Split(',', StringSplitOptions.TrimEntries)
            : [value];
        foreach (var item in items)
        {
            if (item.Length == 0)
            {
                yield return new SettingError(d.Key, shown, "has an empty item in its list.", "separate items with single commas, e.g. a,b,c.");
                continue;
            }
            var problem = CheckKind(d, item) ?? d.Check?.Invoke(item);
            if (problem is not null)
                yield return new SettingError(d.Key, d.Secret ? shown : item, problem.Problem, problem.Fix);
        }
    }

    private static SettingProblem? CheckKind(SettingDefinition d, string v) => d.Kind switch
    {
        SettingKind.Integer when !int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) =>
            new("is not a whole number.", $"use a whole number between {Bound(d.Minimum)} and {Bound(d.Maximum)}."),
        SettingKind.Integer when int.Parse(v, CultureInfo.InvariantCulture) is var n && (n < d.Minimum || n > d.Maximum) =>
            new($"is outside {Bound(d.Minimum)}..{Bound(d.Maximum)}.", $"use a number between {Bound(d.Minimum)} and {Bound(d.Maximum)}."),
        SettingKind.Boolean when !bool.TryParse(v, out _) => new("is not true or false.", "use true or false."),
        SettingKind.Choice when !d.Choices.Contains(v, StringComparer.Ordinal) =>
            new("is not one of the allowed values.", $"use one of: {string.Join(", ", d.Choices)}."),
        SettingKind.Cidr or SettingKind.CidrList => CheckCidr(v),
        SettingKind.DnsLabel => SettingsCatalog.CheckDnsLabel(v),
        SettingKind.HostName when Uri.CheckHostName(v) != UriHostNameType.Dns || v.Any(char.IsUpper) =>
            new("is not a lowercase DNS name.", "use a name like apps.example.org."),
        SettingKind.Url when !Uri.TryCreate(v, UriKind.Absolute, out var u) || (u.Scheme != "https" && u.Scheme != "ssh" && u.Scheme != "http") =>
            new("is not an absolute https:// or ssh:// URL.", "use a URL like https://git.example.org/org/repo.git."),
        _ => null,
    };

    private static SettingProblem? CheckCidr(string v)
    {
        if (!v.Contains('/'))
            return new("has no prefix length.", $"write it as a CIDR, e.g. {v}/32.");
        if (!IPNetwork.TryParse(v, out var network) || !IPAddress.TryParse(v[..v.IndexOf('/')], out var address))
            return new("is not a CIDR.", "write the network address with its prefix, e.g. 10.20.0.0/24.");
        return address.Equals(network.BaseAddress)
            ? null
            : new("has host bits set after the prefix.", $"use the network address of the range, {network.BaseAddress}/{network.PrefixLength}.");
    }

    private static string Bound(int n) => n == int.MinValue ? "-∞" : n == int.MaxValue ? "∞" : n.ToString(CultureInfo.InvariantCulture);

    private static string Suggest(string name)
    {
        var byArgument = name.Contains('-') && !name.Contains('.');
        var best = SettingsCatalog.All.Select(d => byArgument ? d.ArgumentName : d.Key)
            .OrderBy(k => Levenshtein(k.ToLowerInvariant(), name.ToLowerInvariant())).First();
        return Levenshtein(best.ToLowerInvariant(), name.ToLowerInvariant()) <= 4 ? $"Did you mean '{best}'?" : "";
    }

    private static int Levenshtein(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var prev = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cur = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = cur;
            }
        }
        return row[b.Length];
    }

    /// <summary>Flattens the nested YAML settings file into dotted keys; lists become comma-separated values.</summary>
    private static void ReadFile(string file, List<SettingError> errors, Action<string, string> set)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            errors.Add(new SettingError(Path.GetFileName(file), null, $"is not valid YAML at line {e.Start.Line}: {e.Message}", "fix the YAML syntax."));
            return;
        }
        if (stream.Documents.Count == 0) return;
        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            errors.Add(new SettingError(Path.GetFileName(file), null, "is not a mapping of settings.", "write it as key: value pairs."));
            return;
        }
        Walk(root, "");

        void Walk(YamlMappingNode node, string prefix)
        {
            foreach (var (k, v) in node.Children)
            {
                var key = prefix + ((YamlScalarNode)k).Value;
                switch (v)
                {
                    case YamlMappingNode child when SettingsCatalog.Find(key) is null:
                        Walk(child, key + ".");
                        break;
                    case YamlSequenceNode seq:
                        Known(key, string.Join(',', seq.Children.Select(c => (c as YamlScalarNode)?.Value ?? "")), v);
                        break;
                    case YamlScalarNode scalar:
                        Known(key, scalar.Value ?? "", v);
                        break;
                    default:
                        errors.Add(new SettingError(key, null, $"in {Path.GetFileName(file)} line {v.Start.Line} is not a value.", "give a scalar or a list."));
                        break;
                }
            }
        }

        void Known(string key, string value, YamlNode node)
        {
            if (SettingsCatalog.Find(key) is null)
                errors.Add(new SettingError(key, value, $"in {Path.GetFileName(file)} line {node.Start.Line} is not a known setting.",
                    $"remove it or fix its name. {Suggest(key)}"));
            else set(key, value);
        }
    }
}
