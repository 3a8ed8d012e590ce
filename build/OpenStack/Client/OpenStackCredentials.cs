using Platform.Build.Logging;
using YamlDotNet.RepresentationModel;

namespace Platform.Build.OpenStack.Client;

public enum AuthMethod { Password, ApplicationCredential }

/// <summary>
/// What Keystone v3 needs to issue a token, from OS_* variables or one cloud of clouds.yaml. The password and the
/// application-credential secret are registered with <see cref="Redaction"/> as soon as they are read.
/// </summary>
public sealed record OpenStackCredentials
{
    public required string AuthUrl { get; init; }
    public AuthMethod Method { get; init; } = AuthMethod.Password;
    public string? UserName { get; init; }
    public string? UserId { get; init; }
    public string? UserDomainName { get; init; }
    public string? UserDomainId { get; init; }
    public string? Password { get; init; }
    public string? ProjectName { get; init; }
    public string? ProjectId { get; init; }
    public string? ProjectDomainName { get; init; }
    public string? ProjectDomainId { get; init; }
    public string? ApplicationCredentialId { get; init; }
    public string? ApplicationCredentialName { get; init; }
    public string? ApplicationCredentialSecret { get; init; }
    public string? RegionName { get; init; }
    public string Interface { get; init; } = "public";
    /// <summary>Where these came from, for messages: "OS_* environment variables" or "clouds.yaml cloud 'x' (path)".</summary>
    public string Source { get; init; } = "";

    /// <summary>The same identity with another project (Preflight uses it to tell a wrong project from a wrong password).</summary>
    public string ProjectLabel => ProjectId ?? $"{ProjectName} (domain {ProjectDomainName ?? ProjectDomainId})";

    public override string ToString() =>
        $"{Method} credentials for {UserName ?? UserId ?? ApplicationCredentialName ?? ApplicationCredentialId} at {AuthUrl} from {Source}";
}

/// <summary>A credential input that is missing or wrong, named the way the user sets it.</summary>
public sealed class OpenStackCredentialException(string source, IReadOnlyList<string> problems)
    : Exception($"OpenStack credentials from {source} are incomplete:\n  " + string.Join("\n  ", problems))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}

/// <summary>
/// Finds the credentials: the cloud named by the setting openstack.cloud (or OS_CLOUD) in clouds.yaml, else the OS_*
/// variables. clouds.yaml is looked up like the OpenStack clients do: OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
/// ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml; a secure.yaml beside it is merged (secrets kept apart).
/// </summary>
public static class CredentialResolver
{
    public static IReadOnlyList<string> DefaultSearchPaths(IReadOnlyDictionary<string, string> environment, string workingDirectory)
    {
        var home = environment.GetValueOrDefault("HOME") is { Length: > 0 } h
            ? h
            : System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile);
        var paths = new List<string>();
        if (environment.GetValueOrDefault("OS_CLIENT_CONFIG_FILE") is { Length: > 0 } explicitFile) paths.Add(explicitFile);
        paths.Add(Path.Combine(workingDirectory, "clouds.yaml"));
        paths.Add(Path.Combine(home, ".config", "openstack", "clouds.yaml"));
        paths.Add("/etc/openstack/clouds.yaml");
        return paths;
    }

    public static OpenStackCredentials Resolve(IReadOnlyDictionary<string, string> environment, string? cloudName,
        IReadOnlyList<string> cloudsYamlSearchPaths)
    {
        var cloud = cloudName is { Length: > 0 } ? cloudName : environment.GetValueOrDefault("OS_CLOUD");
        var credentials = cloud is { Length: > 0 }
            ? FromCloudsYaml(cloud, cloudsYamlSearchPaths, environment)
            : FromEnvironment(environment);
        Redaction.Register(credentials.Password);
        Redaction.Register(credentials.ApplicationCredentialSecret);
        Validate(credentials, cloud is { Length: > 0 });
        return credentials;
    }

    public static OpenStackCredentials FromEnvironment(IReadOnlyDictionary<string, string> env)
    {
        string? V(params string[] names) =>
            names.Select(n => env.GetValueOrDefault(n)).FirstOrDefault(v => !string.IsNullOrWhiteSpace(v))?.Trim();
        return new OpenStackCredentials
        {
            AuthUrl = V("OS_AUTH_URL") ?? "",
            Method = ParseMethod(V("OS_AUTH_TYPE"), V("OS_APPLICATION_CREDENTIAL_SECRET") is not null),
            UserName = V("OS_USERNAME"),
            UserId = V("OS_USER_ID"),
            UserDomainName = V("OS_USER_DOMAIN_NAME", "OS_DOMAIN_NAME"),
            UserDomainId = V("OS_USER_DOMAIN_ID", "OS_DOMAIN_ID"),
            Password = V("OS_PASSWORD"),
            ProjectName = V("OS_PROJECT_NAME", "OS_TENANT_NAME"),
            ProjectId = V("OS_PROJECT_ID", "OS_TENANT_ID"),
            ProjectDomainName = V("OS_PROJECT_DOMAIN_NAME", "OS_DOMAIN_NAME"),
            ProjectDomainId = V("OS_PROJECT_DOMAIN_ID", "OS_DOMAIN_ID"),
            ApplicationCredentialId = V("OS_APPLICATION_CREDENTIAL_ID"),
            ApplicationCredentialName = V("OS_APPLICATION_CREDENTIAL_NAME"),
            ApplicationCredentialSecret = V("OS_APPLICATION_CREDENTIAL_SECRET"),
            RegionName = V("OS_REGION_NAME"),
            Interface = NormaliseInterface(V("OS_INTERFACE", "OS_ENDPOINT_TYPE")),
            Source = "OS_* environment variables",
        };
    }

    public static OpenStackCredentials FromCloudsYaml(string cloud, IReadOnlyList<string> searchPaths,
        IReadOnlyDictionary<string, string> environment)
    {
        var file = searchPaths.FirstOrDefault(File.Exists)
            ?? throw new OpenStackCredentialException($"clouds.yaml cloud '{cloud}'",
                [$"no clouds.yaml found (looked in {string.Join(", ", searchPaths)}); create one, set OS_CLIENT_CONFIG_FILE, or leave openstack.cloud empty and set the OS_* variables."]);
        var entry = CloudEntry(file, cloud, required: true)!;
        var secure = Path.Combine(Path.GetDirectoryName(file)!, "secure.yaml");
        var secret = File.Exists(secure) ? CloudEntry(secure, cloud, required: false) : null;

        string? A(string key) => Scalar(secret, "auth", key) ?? Scalar(entry, "auth", key);
        string? T(string key) => Scalar(secret, key) ?? Scalar(entry, key);
        var source = $"clouds.yaml cloud '{cloud}' ({file})";
        return new OpenStackCredentials
        {
            AuthUrl = A("auth_url") ?? "",
            Method = ParseMethod(T("auth_type"), A("application_credential_secret") is not null),
            UserName = A("username"),
            UserId = A("user_id"),
            UserDomainName = A("user_domain_name") ?? A("domain_name"),
            UserDomainId = A("user_domain_id") ?? A("domain_id"),
            // A password kept out of clouds.yaml may come from OS_PASSWORD, as the OpenStack clients allow.
            Password = A("password") ?? (environment.GetValueOrDefault("OS_PASSWORD") is { Length: > 0 } p ? p : null),
            ProjectName = A("project_name") ?? A("tenant_name"),
            ProjectId = A("project_id") ?? A("tenant_id"),
            ProjectDomainName = A("project_domain_name") ?? A("domain_name"),
            ProjectDomainId = A("project_domain_id") ?? A("domain_id"),
            ApplicationCredentialId = A("application_credential_id"),
            ApplicationCredentialName = A("application_credential_name"),
            ApplicationCredentialSecret = A("application_credential_secret"),
            RegionName = T("region_name"),
            Interface = NormaliseInterface(T("interface")),
            Source = source,
        };
    }

    /// <summary>Names every missing input the chosen method needs, as the user would set it.</summary>
    public static void Validate(OpenStackCredentials c, bool fromCloudsYaml)
    {
        string N(string env, string yaml) => fromCloudsYaml ? $"auth.{yaml} in {c.Source}" : env;
        var problems = new List<string>();
        if (c.AuthUrl.Length == 0) problems.Add($"{N("OS_AUTH_URL", "auth_url")} is missing (the Keystone URL, e.g. https://keystone.example.org:5000/v3).");
        else if (!Uri.TryCreate(c.AuthUrl, UriKind.Absolute, out var u) || (u.Scheme != "https" && u.Scheme != "http"))
            problems.Add($"{N("OS_AUTH_URL", "auth_url")} = '{c.AuthUrl}' is not an http(s) URL.");

        if (c.Method == AuthMethod.ApplicationCredential)
        {
            if (c.ApplicationCredentialSecret is null)
                problems.Add($"{N("OS_APPLICATION_CREDENTIAL_SECRET", "application_credential_secret")} is missing.");
            if (c.ApplicationCredentialId is null && c.ApplicationCredentialName is null)
                problems.Add($"{N("OS_APPLICATION_CREDENTIAL_ID", "application_credential_id")} is missing (or give the name with the user).");
            if (c.ApplicationCredentialId is null && c.ApplicationCredentialName is not null)
                UserProblems(c, problems, N);
        }
        else
        {
            UserProblems(c, problems, N);
            if (c.Password is null) problems.Add($"{N("OS_PASSWORD", "password")} is missing.");
            if (c.ProjectId is null && c.ProjectName is null)
                problems.Add($"{N("OS_PROJECT_NAME", "project_name")} (or {N("OS_PROJECT_ID", "project_id")}) is missing.");
            if (c.ProjectId is null && c.ProjectName is not null && c.ProjectDomainName is null && c.ProjectDomainId is null)
                problems.Add($"{N("OS_PROJECT_DOMAIN_NAME", "project_domain_name")} (or {N("OS_PROJECT_DOMAIN_ID", "project_domain_id")}) is missing, e.g. Default.");
        }
        if (problems.Count > 0) throw new OpenStackCredentialException(c.Source, problems);
    }

    private static void UserProblems(OpenStackCredentials c, List<string> problems, Func<string, string, string> n)
    {
        if (c.UserId is not null) return;
        if (c.UserName is null) problems.Add($"{n("OS_USERNAME", "username")} (or {n("OS_USER_ID", "user_id")}) is missing.");
        else if (c.UserDomainName is null && c.UserDomainId is null)
            problems.Add($"{n("OS_USER_DOMAIN_NAME", "user_domain_name")} (or {n("OS_USER_DOMAIN_ID", "user_domain_id")}) is missing, e.g. Default.");
    }

    private static AuthMethod ParseMethod(string? authType, bool hasSecret) => authType?.ToLowerInvariant() switch
    {
        "v3applicationcredential" or "applicationcredential" or "application_credential" => AuthMethod.ApplicationCredential,
        "password" or "v3password" => AuthMethod.Password,
        _ => hasSecret ? AuthMethod.ApplicationCredential : AuthMethod.Password,
    };

    private static string NormaliseInterface(string? value) => value?.ToLowerInvariant() switch
    {
        null or "" or "public" or "publicurl" => "public",
        "internal" or "internalurl" => "internal",
        "admin" or "adminurl" => "admin",
        var other => other,
    };

    private static YamlMappingNode? CloudEntry(string file, string cloud, bool required)
    {
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new OpenStackCredentialException(file, [$"{file} is not valid YAML: {e.Message}"]);
        }
        var root = stream.Documents.FirstOrDefault()?.RootNode as YamlMappingNode;
        var clouds = root is not null && root.Children.TryGetValue(new YamlScalarNode("clouds"), out var c) ? c as YamlMappingNode : null;
        if (clouds is not null && clouds.Children.TryGetValue(new YamlScalarNode(cloud), out var entry) && entry is YamlMappingNode m)
            return m;
        if (!required) return null;
        var known = clouds?.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value).ToList() ?? [];
        throw new OpenStackCredentialException($"clouds.yaml cloud '{cloud}'",
            [$"{file} has no cloud '{cloud}' under 'clouds:' (it has: {(known.Count == 0 ? "none" : string.Join(", ", known))}). Set openstack.cloud to one of them."]);
    }

    private static string? Scalar(YamlMappingNode? node, params string[] path)
    {
        YamlNode? current = node;
        foreach (var key in path)
        {
            if (current is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out current)) return null;
        }
        return current is YamlScalarNode { Value: { Length: > 0 } v } ? v : null;
    }
}
