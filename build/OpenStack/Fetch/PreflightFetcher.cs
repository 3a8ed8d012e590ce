using System.Net;
using Platform.Build.Logging;
using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.OpenStack.Fetch;

/// <summary>
/// Reads what Preflight checks from the cloud. Each step that fails is recorded and the rest still run, so one report
/// shows every problem. The only writes are two probes, each removed at once: a floating IP (when the pool's free
/// count is not readable) and an application credential.
/// </summary>
public static class PreflightFetcher
{
    public static async Task<(PreflightState State, OpenStackSession? Session)> FetchAsync(OpenStackCredentials credentials,
        PreflightPlan plan, ILog log, OpenStackSessionOptions? options = null, CancellationToken ct = default)
    {
        OpenStackSession session;
        try
        {
            session = await OpenStackSession.ConnectAsync(credentials, log, options, ct);
        }
        catch (OpenStackApiException e) when (e.Status == HttpStatusCode.Unauthorized)
        {
            return (new PreflightState { Auth = await DiagnoseRefusalAsync(credentials, e, log, ct) }, null);
        }
        catch (OpenStackApiException e) when (e.Status is not null)
        {
            return (new PreflightState { Auth = new AuthState(AuthFailure.Other, e.Message) }, null);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or OpenStackApiException)
        {
            return (new PreflightState { Auth = new AuthState(AuthFailure.Unreachable, $"{credentials.AuthUrl}: {e.Message}") }, null);
        }

        var api = new OpenStackApi(session);
        var token = session.Token;
        var errors = new List<(string, string)>();
        async Task<T?> Step<T>(string step, Func<Task<T>> read) where T : class
        {
            try
            {
                return await read();
            }
            catch (OpenStackApiException e)
            {
                errors.Add((step, e.Message));
                return null;
            }
        }

        var versions = new Dictionary<string, (IReadOnlyList<ApiVersion>, string?)>();
        foreach (var type in ServiceTypes.Required)
        {
            if (token.FindEndpoint(type, credentials.Interface, credentials.RegionName) is null) continue;
            try
            {
                versions[type] = (await api.VersionsAsync(type, ct), null);
            }
            catch (Exception e) when (e is OpenStackApiException or HttpRequestException or System.Text.Json.JsonException)
            {
                versions[type] = ([], e.Message);
            }
        }
        bool Has(string type) => token.FindEndpoint(type, credentials.Interface, credentials.RegionName) is not null;

        IReadOnlyList<NetworkRecord>? externals = null;
        FloatingIpState? floating = null;
        IReadOnlySet<string>? extensions = null;
        var quotas = new Dictionary<string, QuotaUsage>(StringComparer.Ordinal);
        var quotaErrors = new List<string>();
        if (Has(ServiceTypes.Network))
        {
            externals = await Step("external network", () => api.NetworksAsync(plan.ExternalNetwork, ct));
            var external = externals?.FirstOrDefault(n => n.External);
            if (plan.FloatingIp is { } address)
            {
                var found = await Step("floating IPs", () => api.FloatingIpsAsync(address, ct));
                if (found is not null) floating = new FloatingIpState(found.FirstOrDefault(), null, null, null);
            }
            else if (external is not null)
            {
                floating = await FloatingIpRoomAsync(api, external, plan, log, ct);
            }
            extensions = await Step("network extensions", () => api.NetworkExtensionsAsync(ct));
            try
            {
                var neutron = await api.NetworkQuotaAsync(ct);
                foreach (var (from, to) in new[] { ("network", "networks"), ("subnet", "subnets"), ("router", "routers"), ("port", "ports"),
                    ("floatingip", "floatingips"), ("security_group", "security_groups"), ("security_group_rule", "security_group_rules") })
                {
                    if (neutron.TryGetValue(from, out var usage)) quotas[to] = usage;
                }
            }
            catch (OpenStackApiException e)
            {
                quotaErrors.Add($"network quotas: {e.Message}");
            }
        }

        IReadOnlyList<FlavorRecord>? flavors = null;
        KeypairRecord? keypair = null;
        var keypairFetched = false;
        if (Has(ServiceTypes.Compute))
        {
            try
            {
                var limits = await api.ComputeLimitsAsync(ct);
                AddLimit(quotas, limits, "instances", "maxTotalInstances", "totalInstancesUsed");
                AddLimit(quotas, limits, "cores", "maxTotalCores", "totalCoresUsed");
                AddLimit(quotas, limits, "ram", "maxTotalRAMSize", "totalRAMUsed");
                AddLimit(quotas, limits, "keypairs", "maxTotalKeypairs", null);
            }
            catch (OpenStackApiException e)
            {
                quotaErrors.Add($"compute limits: {e.Message}");
            }
            flavors = await Step("flavors", () => api.FlavorsAsync(ct));
            try
            {
                keypair = await api.KeypairAsync(plan.Keypair, ct);
                keypairFetched = true;
            }
            catch (OpenStackApiException e)
            {
                errors.Add(("keypair", e.Message));
            }
        }
        if (Has(ServiceTypes.BlockStorage))
        {
            try
            {
                var limits = await api.VolumeLimitsAsync(ct);
                AddLimit(quotas, limits, "volumes", "maxTotalVolumes", "totalVolumesUsed");
                AddLimit(quotas, limits, "gigabytes", "maxTotalVolumeGigabytes", "totalGigabytesUsed");
            }
            catch (OpenStackApiException e)
            {
                quotaErrors.Add($"volume limits: {e.Message}");
            }
        }
        IReadOnlyList<ImageRecord>? images = Has(ServiceTypes.Image) ? await Step("image", () => api.ImagesAsync(plan.Image, ct)) : null;
        var appCredential = await ProbeApplicationCredentialAsync(api, plan, ct);

        var state = new PreflightState
        {
            Auth = new AuthState(AuthFailure.None, "", token.UserName, token.ProjectName,
                ViaApplicationCredential: token.Methods.Contains("application_credential")),
            Catalog = token.Catalog,
            Interface = credentials.Interface,
            Region = credentials.RegionName,
            Versions = versions,
            ExternalNetworkMatches = externals,
            FloatingIp = floating,
            Quotas = quotas,
            QuotaErrors = quotaErrors,
            ImageMatches = images,
            Flavors = flavors,
            Keypair = keypair,
            KeypairFetched = keypairFetched,
            ApplicationCredentialProbe = appCredential,
            NetworkExtensions = extensions,
            FetchErrors = errors,
        };
        return (state, session);
    }

    private static void AddLimit(Dictionary<string, QuotaUsage> quotas, IReadOnlyDictionary<string, long> limits, string name,
        string max, string? used)
    {
        if (limits.TryGetValue(max, out var limit))
            quotas[name] = new QuotaUsage(limit, used is not null && limits.TryGetValue(used, out var u) ? u : 0, 0);
    }

    /// <summary>Keystone said 401: try the same user without a project to tell a wrong project from a wrong password.</summary>
    private static async Task<AuthState> DiagnoseRefusalAsync(OpenStackCredentials credentials, OpenStackApiException refusal, ILog log,
        CancellationToken ct)
    {
        if (credentials.Method == AuthMethod.ApplicationCredential)
            return new AuthState(AuthFailure.WrongPassword, $"the application credential was refused ({refusal.Detail}); it may be deleted, expired or its secret wrong.");
        var projects = await Keystone.ProjectsOfUserAsync(credentials, log, ct);
        return projects is null
            ? new AuthState(AuthFailure.WrongPassword, refusal.Detail)
            : new AuthState(AuthFailure.WrongProject, $"project {credentials.ProjectLabel}: {refusal.Detail}", ProjectsOfUser: projects);
    }

    /// <summary>
    /// Room for one floating IP: the pool's free count where the policy shows it (admins), else a trial allocation
    /// released at once. A member cannot pick an address (403 by default), so the trial never asks for one.
    /// </summary>
    private static async Task<FloatingIpState> FloatingIpRoomAsync(OpenStackApi api, NetworkRecord external, PreflightPlan plan, ILog log,
        CancellationToken ct)
    {
        var availability = await api.IpAvailabilityAsync(external.Id, ct);
        if (availability is not null) return new FloatingIpState(null, availability.TotalIps - availability.UsedIps, null, null);
        try
        {
            var trial = await api.CreateFloatingIpAsync(external.Id, $"{plan.Platform} preflight probe: released at once", ct);
            try
            {
                await api.DeleteFloatingIpAsync(trial.Id, ct);
            }
            catch (OpenStackApiException e)
            {
                log.Warn($"The trial floating IP {trial.Address} could not be released ({e.Message}); release it with `openstack floating ip delete {trial.Id}`.");
            }
            return new FloatingIpState(null, null, true, null);
        }
        catch (OpenStackApiException e)
        {
            return new FloatingIpState(null, null, false, e.Detail);
        }
    }

    private static async Task<ProbeResult> ProbeApplicationCredentialAsync(OpenStackApi api, PreflightPlan plan, CancellationToken ct)
    {
        var name = $"{plan.Platform}-preflight-probe-{Guid.NewGuid():N}"[..Math.Min(64, plan.Platform.Length + 32)];
        try
        {
            var created = await api.CreateApplicationCredentialAsync(name, DateTimeOffset.UtcNow.AddMinutes(10), ct);
            await api.DeleteApplicationCredentialAsync(created.Id, ct);
            return new ProbeResult(true, "a trial application credential was created and deleted.");
        }
        catch (OpenStackApiException e)
        {
            return new ProbeResult(false, e.Message);
        }
    }
}
