using System.Net;
using System.Text.Json;
using Platform.Build.Logging;
using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.OpenStack.Fetch;

/// <summary>
/// Reads what Preflight checks from the cloud. Each step that fails is recorded and the rest still run, so one report
/// shows every problem: an API error, an unreachable service (after the retries), a timeout or an answer that is not
/// the API's JSON each become a finding. Only the caller's own cancellation ends the run. The only writes are two
/// probes, each removed at once: a floating IP (when the pool's free count is not readable) and an application
/// credential.
/// </summary>
public static class PreflightFetcher
{
    /// <summary>
    /// What went wrong with a read, or null when the exception is not a read failure (a bug, or the caller cancelled):
    /// those propagate.
    /// </summary>
    public static ReadError? AsReadError(string step, Exception e, CancellationToken ct) => e switch
    {
        OpenStackApiException api => new ReadError(step, ReadFailure.Api, api.Message),
        HttpRequestException => new ReadError(step, ReadFailure.Unreachable, Describe(e)),
        OperationCanceledException when ct.IsCancellationRequested => null,
        OperationCanceledException or TimeoutException => new ReadError(step, ReadFailure.TimedOut, Describe(e)),
        // JsonElement.GetProperty throws KeyNotFoundException, and reading a value of the wrong kind
        // InvalidOperationException: both mean the body is JSON, but not the API's.
        JsonException or KeyNotFoundException or InvalidOperationException or FormatException =>
            new ReadError(step, ReadFailure.Malformed, Describe(e)),
        _ => null,
    };

    /// <summary>The message with its innermost cause: HttpClient's own ("An error occurred while sending the request.") says nothing by itself.</summary>
    private static string Describe(Exception e)
    {
        var inner = e;
        while (inner.InnerException is not null) inner = inner.InnerException;
        return Redaction.Apply(inner == e || e.Message.Contains(inner.Message, StringComparison.Ordinal) ? e.Message : $"{e.Message} ({inner.Message})");
    }

    public static async Task<(PreflightState State, OpenStackSession? Session)> FetchAsync(OpenStackCredentials credentials,
        PreflightPlan plan, ILog log, OpenStackSessionOptions? options = null, CancellationToken ct = default, HttpClient? http = null)
    {
        OpenStackSession session;
        try
        {
            session = await OpenStackSession.ConnectAsync(credentials, log, options, ct, http);
        }
        catch (OpenStackApiException e) when (e.Status == HttpStatusCode.Unauthorized)
        {
            return (new PreflightState { Auth = await DiagnoseRefusalAsync(credentials, e, log, ct, http) }, null);
        }
        catch (OpenStackApiException e) when (e.Status is not null)
        {
            return (new PreflightState { Auth = new AuthState(AuthFailure.Other, e.Message) }, null);
        }
        catch (Exception e) when (AsReadError("keystone", e, ct) is { } error)
        {
            var failure = error.Kind == ReadFailure.Malformed ? AuthFailure.Malformed : AuthFailure.Unreachable;
            var what = error.Kind == ReadFailure.TimedOut ? "no answer in time: " : "";
            return (new PreflightState { Auth = new AuthState(failure, $"{credentials.AuthUrl}: {what}{error.Error}") }, null);
        }

        var api = new OpenStackApi(session);
        var token = session.Token;
        var errors = new List<ReadError>();
        async Task<T?> Step<T>(string step, Func<Task<T>> read) where T : class
        {
            try
            {
                return await read();
            }
            catch (Exception e) when (AsReadError(step, e, ct) is { } error)
            {
                errors.Add(error);
                return null;
            }
        }
        // Quotas a policy hides are a warning (Preflight still runs); a service that cannot be read at all is a failure.
        var quotaErrors = new List<string>();
        async Task<T?> Quota<T>(string step, Func<Task<T>> read) where T : class
        {
            try
            {
                return await read();
            }
            catch (Exception e) when (AsReadError(step, e, ct) is { } error)
            {
                if (error.Kind == ReadFailure.Api) quotaErrors.Add($"{step}: {error.Error}");
                else errors.Add(error);
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
            catch (Exception e) when (AsReadError("version document", e, ct) is { } error)
            {
                versions[type] = ([], error.Kind switch
                {
                    ReadFailure.Unreachable => "unreachable: ",
                    ReadFailure.TimedOut => "no answer in time: ",
                    ReadFailure.Malformed => "not a version document: ",
                    _ => "",
                } + error.Error);
            }
        }
        bool Has(string type) => token.FindEndpoint(type, credentials.Interface, credentials.RegionName) is not null;

        IReadOnlyList<NetworkRecord>? externals = null;
        FloatingIpState? floating = null;
        IReadOnlySet<string>? extensions = null;
        bool? defaultGroupExists = null;
        var quotas = new Dictionary<string, QuotaUsage>(StringComparer.Ordinal);
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
                floating = await Step("floating-IP pool", () => FloatingIpRoomAsync(api, external, plan, log, ct));
            }
            extensions = await Step("network extensions", () => api.NetworkExtensionsAsync(ct));
            // Before the quotas: Neutron creates the default group on a project's first security-group read, and then
            // counts it as used.
            var defaults = await Step("default security group", () => api.SecurityGroupsNamedAsync(NeutronSecurityGroups.DefaultGroup, ct));
            if (defaults is not null) defaultGroupExists = defaults.Count > 0;
            var neutron = await Quota("network quotas", () => api.NetworkQuotaAsync(ct));
            foreach (var (from, to) in new[] { ("network", "networks"), ("subnet", "subnets"), ("router", "routers"), ("port", "ports"),
                ("floatingip", "floatingips"), ("security_group", "security_groups"), ("security_group_rule", "security_group_rules") })
            {
                if (neutron is not null && neutron.TryGetValue(from, out var usage)) quotas[to] = usage;
            }
        }

        IReadOnlyList<FlavorRecord>? flavors = null;
        KeypairRecord? keypair = null;
        var keypairFetched = false;
        if (Has(ServiceTypes.Compute))
        {
            if (await Quota("compute limits", () => api.ComputeLimitsAsync(ct)) is { } limits)
            {
                AddLimit(quotas, limits, "instances", "maxTotalInstances", "totalInstancesUsed");
                AddLimit(quotas, limits, "cores", "maxTotalCores", "totalCoresUsed");
                AddLimit(quotas, limits, "ram", "maxTotalRAMSize", "totalRAMUsed");
                AddLimit(quotas, limits, "keypairs", "maxTotalKeypairs", null);
            }
            flavors = await Step("flavors", () => api.FlavorsAsync(ct));
            // A missing keypair is a null record, not an error: wrap it so Step can tell "read" from "failed".
            if (await Step("keypair", async () => new[] { await api.KeypairAsync(plan.Keypair, ct) }) is { } found)
            {
                keypair = found[0];
                keypairFetched = true;
            }
        }
        if (Has(ServiceTypes.BlockStorage) && await Quota("volume limits", () => api.VolumeLimitsAsync(ct)) is { } volumeLimits)
        {
            AddLimit(quotas, volumeLimits, "volumes", "maxTotalVolumes", "totalVolumesUsed");
            AddLimit(quotas, volumeLimits, "gigabytes", "maxTotalVolumeGigabytes", "totalGigabytesUsed");
        }
        IReadOnlyList<ImageRecord>? images = Has(ServiceTypes.Image) ? await Step("image", () => api.ImagesAsync(plan.Image, ct)) : null;
        var appCredential = await Step("application credentials", () => ProbeApplicationCredentialAsync(api, plan, log, ct));

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
            DefaultSecurityGroupExists = defaultGroupExists,
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
        CancellationToken ct, HttpClient? http)
    {
        if (credentials.Method == AuthMethod.ApplicationCredential)
            return new AuthState(AuthFailure.WrongPassword, $"the application credential was refused ({refusal.Detail}); it may be deleted, expired or its secret wrong.");
        IReadOnlyList<string>? projects;
        try
        {
            projects = await Keystone.ProjectsOfUserAsync(credentials, log, ct, http);
        }
        catch (Exception e) when (AsReadError("keystone", e, ct) is { } error)
        {
            return new AuthState(AuthFailure.WrongPassword,
                $"{refusal.Detail} (whether the password or the project is wrong could not be told apart: {error.Error})");
        }
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
            catch (Exception e) when (AsReadError("floating-IP pool", e, ct) is not null)
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

    /// <summary>Creates and deletes a short-lived application credential. A refusal is the probe's answer; a transport failure propagates to the caller's step.</summary>
    private static async Task<ProbeResult> ProbeApplicationCredentialAsync(OpenStackApi api, PreflightPlan plan, ILog log, CancellationToken ct)
    {
        var name = $"{plan.Platform}-preflight-probe-{Guid.NewGuid():N}"[..Math.Min(64, plan.Platform.Length + 32)];
        ApplicationCredentialRecord created;
        try
        {
            created = await api.CreateApplicationCredentialAsync(name, DateTimeOffset.UtcNow.AddMinutes(10), ct);
        }
        catch (OpenStackApiException e)
        {
            return new ProbeResult(false, e.Message);
        }
        try
        {
            await api.DeleteApplicationCredentialAsync(created.Id, ct);
            return new ProbeResult(true, "a trial application credential was created and deleted.");
        }
        catch (Exception e) when (AsReadError("application credentials", e, ct) is not null)
        {
            // Creating it proved the permission; the leftover expires in 10 minutes anyway.
            log.Warn($"The trial application credential {created.Name} could not be deleted ({e.Message}); it expires in 10 minutes, or delete it with `openstack application credential delete {created.Id}`.");
            return new ProbeResult(true, "a trial application credential was created; deleting it failed (it expires in 10 minutes).");
        }
    }
}
