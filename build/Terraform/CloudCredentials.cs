using Platform.Build.Logging;
using Platform.Build.Settings;
using YamlDotNet.RepresentationModel;

namespace Platform.Build.Terraform;

/// <summary>
/// OpenStack credentials, checked before any tool runs: either a cloud from clouds.yaml (settings openstack.cloud or
/// OS_CLOUD) or the OS_* variables. Missing pieces are reported by name. Secrets found are registered for redaction.
/// </summary>
public sealed record CloudCredentials(string Source, string AuthUrl, string Region, IReadOnlyDictionary<string, string?> ToolEnvironment)
{
    /// <summary>Problems that may stop terraform later but cannot be decided here (the targets print them).</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>
    /// The login is an application credential. Provision creates the Cinder CSI application credential and Destroy
    /// deletes it, and Keystone refuses both to an application credential unless it was created unrestricted. Whether
    /// it was is known only to Keystone, so this is a warning, not an error: an unrestricted one works, and Preflight's
    /// live probe (a trial credential created and deleted) gives the answer before anything is built.
    /// </summary>
    public static string ApplicationCredentialWarning(string source) =>
        $"The OpenStack login ({source}) is an application credential. Provision creates the Cinder CSI application " +
        "credential (and Destroy deletes it), which Keystone refuses (403 \"not allowed for managing additional application " +
        "credentials\") unless the login's credential was created with --unrestricted; terraform apply would then stop " +
        "part-way. Fix: log in with a password (OS_USERNAME / OS_PASSWORD, or a password cloud in clouds.yaml), or use an " +
        "application credential created with `openstack application credential create --unrestricted`. " +
        "./build.sh --target=Preflight checks it against the cloud.";

    public static CloudCredentials Check(PlatformSettings settings, IReadOnlyDictionary<string, string> environment)
    {
        var errors = new List<SettingError>();
        var result = Resolve(settings, environment, errors);
        if (errors.Count > 0 || result is null) throw new SettingsException(errors);
        return result;
    }

    /// <summary>Where clouds.yaml is looked for, in the order openstacksdk uses.</summary>
    public static IReadOnlyList<string> CloudsYamlCandidates(string repositoryRoot, IReadOnlyDictionary<string, string> environment)
    {
        var home = environment.GetValueOrDefault("HOME") is { Length: > 0 } h ? h : System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        return
        [
            .. environment.GetValueOrDefault("OS_CLIENT_CONFIG_FILE") is { Length: > 0 } file ? new[] { file } : [],
            Path.Combine(repositoryRoot, "clouds.yaml"),
            Path.Combine(home, ".config", "openstack", "clouds.yaml"),
            "/etc/openstack/clouds.yaml",
        ];
    }

    private static CloudCredentials? Resolve(PlatformSettings settings, IReadOnlyDictionary<string, string> env, List<SettingError> errors)
    {
        string Env(string name) => env.GetValueOrDefault(name, "").Trim();
        var cloud = settings.Has("openstack.cloud") ? settings.Get("openstack.cloud") : Env("OS_CLOUD");
        var regionSetting = settings.Get("openstack.region");

        if (cloud.Length > 0)
        {
            var file = CloudsYamlCandidates(settings.RepositoryRoot, env).FirstOrDefault(File.Exists);
            if (file is null)
            {
                errors.Add(new SettingError("clouds.yaml", null,
                    $"was not found, but openstack.cloud / OS_CLOUD names the cloud '{cloud}'.",
                    "put clouds.yaml in ~/.config/openstack/ (or point OS_CLIENT_CONFIG_FILE at it), or clear openstack.cloud and export the OS_* variables (source your openrc)."));
                return null;
            }
            var entry = ReadCloud(file, cloud, errors);
            if (entry is null) return null;
            var authUrl = entry.GetValueOrDefault("auth.auth_url", "");
            if (authUrl.Length == 0)
                errors.Add(new SettingError($"clouds.yaml clouds.{cloud}.auth.auth_url", null, $"is missing in {file}.", "add the Keystone URL, e.g. https://keystone.example.org:5000/v3."));
            foreach (var secret in new[] { "auth.password", "auth.application_credential_secret" })
                Redaction.Register(entry.GetValueOrDefault(secret));
            if (errors.Count > 0) return null;
            var region = regionSetting.Length > 0 ? regionSetting : entry.GetValueOrDefault("region_name", Env("OS_REGION_NAME"));
            var source = $"clouds.yaml ({file}) cloud '{cloud}'";
            var viaApplicationCredential = entry.GetValueOrDefault("auth_type", "") == "v3applicationcredential"
                || new[] { "auth.application_credential_id", "auth.application_credential_name", "auth.application_credential_secret" }
                    .Any(k => entry.GetValueOrDefault(k, "").Length > 0);
            return new CloudCredentials(source, authUrl, region,
                new Dictionary<string, string?> { ["OS_CLOUD"] = cloud, ["OS_CLIENT_CONFIG_FILE"] = file })
            {
                Warnings = viaApplicationCredential ? [ApplicationCredentialWarning(source)] : [],
            };
        }

        var missing = new List<(string Name, string Why)>();
        if (Env("OS_AUTH_URL").Length == 0) missing.Add(("OS_AUTH_URL", "the Keystone URL"));
        var appCredential = Env("OS_APPLICATION_CREDENTIAL_ID").Length > 0 || Env("OS_APPLICATION_CREDENTIAL_NAME").Length > 0
            || Env("OS_AUTH_TYPE") == "v3applicationcredential";
        if (appCredential)
        {
            if (Env("OS_APPLICATION_CREDENTIAL_ID").Length == 0 && Env("OS_APPLICATION_CREDENTIAL_NAME").Length == 0)
                missing.Add(("OS_APPLICATION_CREDENTIAL_ID", "the application credential's id (or OS_APPLICATION_CREDENTIAL_NAME), as OS_AUTH_TYPE is v3applicationcredential"));
            if (Env("OS_APPLICATION_CREDENTIAL_SECRET").Length == 0) missing.Add(("OS_APPLICATION_CREDENTIAL_SECRET", "the application credential's secret"));
        }
        else
        {
            if (Env("OS_USERNAME").Length == 0 && Env("OS_USER_ID").Length == 0) missing.Add(("OS_USERNAME", "the user (or OS_USER_ID), or use an application credential (OS_APPLICATION_CREDENTIAL_ID + _SECRET)"));
            if (Env("OS_PASSWORD").Length == 0) missing.Add(("OS_PASSWORD", "the user's password"));
            if (Env("OS_PROJECT_NAME").Length == 0 && Env("OS_PROJECT_ID").Length == 0) missing.Add(("OS_PROJECT_NAME", "the project (or OS_PROJECT_ID)"));
            if (Env("OS_USERNAME").Length > 0 && Env("OS_USER_DOMAIN_NAME").Length == 0 && Env("OS_USER_DOMAIN_ID").Length == 0)
                missing.Add(("OS_USER_DOMAIN_NAME", "the user's domain (or OS_USER_DOMAIN_ID), e.g. Default"));
        }
        Redaction.Register(Env("OS_PASSWORD"));
        Redaction.Register(Env("OS_APPLICATION_CREDENTIAL_SECRET"));
        foreach (var (name, why) in missing)
            errors.Add(new SettingError(name, null, $"is not set ({why}).",
                "export the OS_* variables (source the openrc file of your project), or set openstack.cloud to a cloud in clouds.yaml."));
        if (errors.Count > 0) return null;
        const string environmentSource = "OS_* environment variables";
        return new CloudCredentials(environmentSource, Env("OS_AUTH_URL"),
            regionSetting.Length > 0 ? regionSetting : Env("OS_REGION_NAME"), new Dictionary<string, string?>())
        {
            Warnings = appCredential ? [ApplicationCredentialWarning(environmentSource)] : [],
        };
    }

    /// <summary>Flattens one cloud of clouds.yaml into dotted keys (auth.auth_url, region_name, ...).</summary>
    private static Dictionary<string, string>? ReadCloud(string file, string cloud, List<SettingError> errors)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            errors.Add(new SettingError("clouds.yaml", file, $"is not valid YAML: {e.Message}", "fix the file's syntax."));
            return null;
        }
        var clouds = stream.Documents.FirstOrDefault()?.RootNode is YamlMappingNode root
            && root.Children.TryGetValue(new YamlScalarNode("clouds"), out var c) ? c as YamlMappingNode : null;
        if (clouds is null || !clouds.Children.TryGetValue(new YamlScalarNode(cloud), out var node) || node is not YamlMappingNode entry)
        {
            var known = clouds?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).ToList() ?? [];
            errors.Add(new SettingError("openstack.cloud", cloud, $"is not a cloud in {file}.",
                known.Count > 0 ? $"use one of: {string.Join(", ", known)}." : "add it under 'clouds:' in that file."));
            return null;
        }
        var flat = new Dictionary<string, string>(StringComparer.Ordinal);
        Walk(entry, "");
        return flat;

        void Walk(YamlMappingNode map, string prefix)
        {
            foreach (var (k, v) in map.Children)
            {
                var key = prefix + ((YamlScalarNode)k).Value;
                if (v is YamlMappingNode child) Walk(child, key + ".");
                else if (v is YamlScalarNode scalar) flat[key] = scalar.Value ?? "";
            }
        }
    }
}
