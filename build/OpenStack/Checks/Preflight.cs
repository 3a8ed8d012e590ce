using System.Globalization;
using Platform.Build.Inventory;
using Platform.Build.OpenStack.Client;
using Platform.Build.Settings;

namespace Platform.Build.OpenStack.Checks;

public sealed record FlavorNeed(string Role, string Name, int Count, int MinVcpus, int MinRamMb, int MinDiskGb);

/// <summary>What the deployment will ask of the tenant, from the settings. Pure; the checks compare the tenant with it.</summary>
public sealed record PreflightPlan
{
    public const string PortForwardingExtension = "floating-ip-port-forwarding";
    public static readonly IReadOnlyList<string> RequiredExtensions = ["external-net", "router", "security-group"];

    public required string Platform { get; init; }
    public required string ExternalNetwork { get; init; }
    public string? FloatingIp { get; init; }
    public required string FloatingIpMode { get; init; }
    public required string Image { get; init; }
    public required FlavorNeed ControlPlane { get; init; }
    public required FlavorNeed Worker { get; init; }
    public required string Keypair { get; init; }
    public int DataVolumeSizeGb { get; init; }
    public int PersistentVolumes { get; init; }
    public int PersistentVolumeSizeGb { get; init; }
    /// <summary>The platform's security groups and rules, counted from the intended rule matrix (the one Provision creates and Audit compares with).</summary>
    public required int SecurityGroups { get; init; }
    public required int SecurityGroupRules { get; init; }

    public int Instances => ControlPlane.Count + Worker.Count;
    /// <summary>One port per node, the router's interface and a DHCP port.</summary>
    public int Ports => Instances + 2;
    public int Volumes => (DataVolumeSizeGb > 0 ? Worker.Count : 0) + PersistentVolumes;
    public int VolumeGigabytes => DataVolumeSizeGb * Worker.Count + PersistentVolumes * PersistentVolumeSizeGb;

    /// <summary>The plan for these settings; the security groups and rules come from <paramref name="intent"/> (TerraformIntent for the same settings).</summary>
    public static PreflightPlan FromSettings(PlatformSettings s, SecurityIntent intent) => new()
    {
        Platform = s.Get("platform.name"),
        ExternalNetwork = s.Get("openstack.externalNetwork"),
        FloatingIp = s.Has("openstack.floatingIp") ? s.Get("openstack.floatingIp") : null,
        FloatingIpMode = s.Get("openstack.floatingIpMode"),
        Image = s.Get("openstack.image"),
        ControlPlane = new FlavorNeed("control plane", s.Get("openstack.controlPlaneFlavor"), s.GetInt("openstack.controlPlaneCount"),
            s.GetInt("openstack.checks.minControlPlaneVcpus"), s.GetInt("openstack.checks.minControlPlaneRamMb"), s.GetInt("openstack.checks.minRootDiskGb")),
        Worker = new FlavorNeed("worker", s.Get("openstack.workerFlavor"), s.GetInt("openstack.workerCount"),
            s.GetInt("openstack.checks.minWorkerVcpus"), s.GetInt("openstack.checks.minWorkerRamMb"), s.GetInt("openstack.checks.minRootDiskGb")),
        Keypair = PlatformNames.Keypair(s.Get("platform.name")),
        DataVolumeSizeGb = s.GetInt("openstack.dataVolumeSizeGb"),
        PersistentVolumes = s.GetInt("openstack.checks.persistentVolumes"),
        PersistentVolumeSizeGb = s.GetInt("openstack.checks.persistentVolumeSizeGb"),
        SecurityGroups = intent.Groups.Count,
        SecurityGroupRules = intent.Rules.Count,
    };
}

/// <summary>What Neutron itself adds to a project's security groups, on top of the rule matrix.</summary>
public static class NeutronSecurityGroups
{
    /// <summary>Every project gets a group named "default" on its first use of Neutron.</summary>
    public const string DefaultGroup = "default";
    /// <summary>The default group's rules: ingress from itself and egress anywhere, each for IPv4 and IPv6.</summary>
    public const int DefaultGroupRules = 4;
    /// <summary>
    /// Neutron gives every new group an egress pair (IPv4, IPv6). Terraform deletes it (delete_default_rules), but
    /// while groups are created in parallel these pairs count against the rule quota next to the first matrix rules.
    /// </summary>
    public const int NewGroupEgressRules = 2;
}

public enum AuthFailure { None, WrongPassword, WrongProject, Unreachable, Malformed, Other }

public sealed record AuthState(AuthFailure Failure, string Detail, string? User = null, string? Project = null,
    IReadOnlyList<string>? ProjectsOfUser = null, bool ViaApplicationCredential = false)
{
    public bool Succeeded => Failure == AuthFailure.None;
}

/// <summary>How the single public IP can be had: the named address, the pool's free count, or a trial allocation.</summary>
public sealed record FloatingIpState(FloatingIpRecord? RequestedAddress, double? PoolFreeAddresses, bool? TrialAllocationSucceeded,
    string? TrialError);

public sealed record ProbeResult(bool Succeeded, string Detail);

/// <summary>Why a read failed: the API answered with an error, or could not be reached, or did not answer in time, or answered something that is not its JSON.</summary>
public enum ReadFailure { Api, Unreachable, TimedOut, Malformed }

/// <summary>A step of Preflight whose read failed; <see cref="PreflightChecks.Evaluate"/> turns it into a failed finding with the fix for its kind.</summary>
public sealed record ReadError(string Step, ReadFailure Kind, string Error);

/// <summary>Everything Preflight fetched from the cloud. Null parts were not fetched (an earlier step failed).</summary>
public sealed record PreflightState
{
    public required AuthState Auth { get; init; }
    public IReadOnlyList<CatalogEndpoint> Catalog { get; init; } = [];
    public string Interface { get; init; } = "public";
    public string? Region { get; init; }
    /// <summary>Per required service type: the versions offered, or the error reading them.</summary>
    public IReadOnlyDictionary<string, (IReadOnlyList<ApiVersion> Versions, string? Error)> Versions { get; init; } =
        new Dictionary<string, (IReadOnlyList<ApiVersion>, string?)>();
    public IReadOnlyList<NetworkRecord>? ExternalNetworkMatches { get; init; }
    public FloatingIpState? FloatingIp { get; init; }
    /// <summary>Unified quota names: instances, cores, ram, keypairs, volumes, gigabytes, networks, subnets, routers, ports, floatingips, security_groups, security_group_rules.</summary>
    public IReadOnlyDictionary<string, QuotaUsage>? Quotas { get; init; }
    public IReadOnlyList<string> QuotaErrors { get; init; } = [];
    public IReadOnlyList<ImageRecord>? ImageMatches { get; init; }
    public IReadOnlyList<FlavorRecord>? Flavors { get; init; }
    public KeypairRecord? Keypair { get; init; }
    public bool KeypairFetched { get; init; }
    public ProbeResult? ApplicationCredentialProbe { get; init; }
    public IReadOnlySet<string>? NetworkExtensions { get; init; }
    /// <summary>
    /// Whether the project's Neutron "default" security group exists already (read before the quotas, so its group
    /// and rules are then in the quota's used count); null when it could not be read.
    /// </summary>
    public bool? DefaultSecurityGroupExists { get; init; }
    /// <summary>Steps whose read failed unexpectedly.</summary>
    public IReadOnlyList<ReadError> FetchErrors { get; init; } = [];
}

/// <summary>The Preflight rules: pure functions from (plan, fetched state) to findings, each failure with its fix.</summary>
public static class PreflightChecks
{
    public static IReadOnlyList<Finding> Evaluate(PreflightPlan plan, PreflightState state)
    {
        var findings = new List<Finding> { Auth(state.Auth) };
        if (!state.Auth.Succeeded) return findings;
        findings.AddRange(Catalog(state));
        findings.AddRange(Versions(state));
        findings.AddRange(ExternalNetwork(plan, state));
        findings.AddRange(FloatingIp(plan, state));
        findings.AddRange(Quotas(plan, state));
        findings.AddRange(Image(plan, state));
        findings.AddRange(Flavors(plan, state));
        findings.AddRange(Keypair(plan, state));
        findings.AddRange(ApplicationCredentials(state));
        findings.AddRange(Extensions(plan, state));
        findings.AddRange(state.FetchErrors.Select(Read));
        return findings;
    }

    /// <summary>A failed read as a finding: what kind of failure it was, and the fix for that kind.</summary>
    public static Finding Read(ReadError e) => e.Kind switch
    {
        ReadFailure.Unreachable => Finding.Fail("read", e.Step, $"the service could not be reached: {e.Error}",
            "check that this machine reaches the endpoint in the catalog (DNS, proxy, firewall; OS_INTERFACE=public for an outside machine) and ask the admin whether the service is up."),
        ReadFailure.TimedOut => Finding.Fail("read", e.Step, $"the service did not answer in time: {e.Error}",
            "the API is overloaded or a proxy holds the connection; run Preflight again later, and ask the admin to check the service's health if it persists."),
        ReadFailure.Malformed => Finding.Fail("read", e.Step, $"the answer is not the OpenStack API's JSON: {e.Error}",
            "the catalog endpoint leads to something else (a proxy error or login page, another API version); compare `openstack endpoint list` with OS_INTERFACE / OS_REGION_NAME and ask the admin."),
        _ => Finding.Fail("read", e.Step, $"could not be read: {e.Error}",
            "see the error; the runbook's 'read' section lists causes (policy, service down, wrong endpoint)."),
    };

    /// <summary>
    /// The security groups and rules the project needs free: the matrix's, the egress pair Neutron adds to each new
    /// group until Terraform deletes it, and Neutron's default group unless it exists already (then it is in "used").
    /// </summary>
    public static (long Groups, string GroupsWhy, long Rules, string RulesWhy) SecurityGroupNeed(PreflightPlan plan, bool? defaultGroupExists)
    {
        var defaultMissing = defaultGroupExists != true;
        var groups = plan.SecurityGroups + (defaultMissing ? 1 : 0);
        var transient = NeutronSecurityGroups.NewGroupEgressRules * plan.SecurityGroups;
        var rules = plan.SecurityGroupRules + transient + (defaultMissing ? NeutronSecurityGroups.DefaultGroupRules : 0);
        var defaultWhy = defaultMissing ? " + Neutron's default group" : "; the default group exists already";
        return (groups, $"{plan.SecurityGroups} of the rule matrix{defaultWhy}",
            rules, $"{plan.SecurityGroupRules} of the rule matrix + {transient} egress rules Neutron adds to new groups until Terraform deletes them" +
                   (defaultMissing ? $" + {NeutronSecurityGroups.DefaultGroupRules} of the default group" : defaultWhy));
    }

    public static Finding Auth(AuthState a) => a.Failure switch
    {
        AuthFailure.None => Finding.Pass("auth", "keystone",
            $"authenticated as {a.User} on project {a.Project}" + (a.ViaApplicationCredential ? " with an application credential" : "") + "."),
        AuthFailure.WrongPassword => Finding.Fail("auth", "keystone", $"Keystone refused the user or password: {a.Detail}",
            "check OS_USERNAME / OS_USER_DOMAIN_NAME and OS_PASSWORD (or auth.* in clouds.yaml); an expired or locked account needs your OpenStack admin."),
        AuthFailure.WrongProject => Finding.Fail("auth", "keystone",
            $"the password is right, but the project was refused (it does not exist, or the user has no role on it): {a.Detail}" +
            (a.ProjectsOfUser is { Count: > 0 } p ? $" Projects this user may use: {string.Join(", ", p)}." : " This user has no project."),
            "set OS_PROJECT_NAME and OS_PROJECT_DOMAIN_NAME (or project_name in clouds.yaml) to one of the user's projects, or ask the admin for the member role on it."),
        AuthFailure.Unreachable => Finding.Fail("auth", "keystone", $"Keystone cannot be reached: {a.Detail}",
            "check OS_AUTH_URL (including the /v3 path and the port), DNS, proxies and firewalls between you and the cloud."),
        AuthFailure.Malformed => Finding.Fail("auth", "keystone", $"the answer at OS_AUTH_URL is not Keystone's v3 JSON: {a.Detail}",
            "set OS_AUTH_URL to the cloud's Keystone v3 endpoint (as in its clouds.yaml, usually ending in /v3); a proxy, login page or another service answered."),
        _ => Finding.Fail("auth", "keystone", a.Detail, "read the Keystone message; the runbook lists the usual causes."),
    };

    public static IEnumerable<Finding> Catalog(PreflightState s)
    {
        foreach (var type in ServiceTypes.Required)
        {
            var aliases = ServiceTypes.Aliases(type);
            var endpoint = s.Catalog.FirstOrDefault(e => aliases.Contains(e.ServiceType) && e.Interface == s.Interface
                && (s.Region is null || e.Region == s.Region));
            yield return endpoint is not null
                ? Finding.Pass("catalog", type, $"{endpoint.ServiceType} ({endpoint.ServiceName}) at {endpoint.Url}.")
                : Finding.Fail("catalog", type,
                    $"no {s.Interface} endpoint of type {string.Join(" or ", aliases)}" + (s.Region is null ? "" : $" in region {s.Region}") + " in the catalog.",
                    s.Catalog.Any(e => aliases.Contains(e.ServiceType))
                        ? "the service exists under another interface or region: set OS_INTERFACE / OS_REGION_NAME (interface / region_name in clouds.yaml) to match."
                        : "this cloud does not offer the service to your project; ask the OpenStack admin, or choose a cloud that has it.");
        }
    }

    public static IEnumerable<Finding> Versions(PreflightState s)
    {
        foreach (var (type, (versions, error)) in s.Versions)
        {
            if (error is not null)
            {
                yield return Finding.Fail("api-version", type, $"the version document could not be read: {error}",
                    "check that the catalog endpoint is the service's public URL; a proxy may be rewriting it.");
                continue;
            }
            var usable = versions.Where(v => v.Status is "CURRENT" or "SUPPORTED" or "STABLE").ToList();
            yield return type switch
            {
                ServiceTypes.Compute => Microversioned(type, usable, "v2.1", ServiceTypes.ComputeMicroversion, "Nova"),
                ServiceTypes.BlockStorage => Microversioned(type, usable, "v3.0", ServiceTypes.VolumeMicroversion, "Cinder"),
                ServiceTypes.Network => usable.Any(v => v.Id == "v2.0")
                    ? Finding.Pass("api-version", type, "Neutron v2.0.")
                    : Finding.Fail("api-version", type, $"Neutron v2.0 is not offered (found {Ids(versions)}).", "the suite needs Neutron API v2.0."),
                ServiceTypes.Image => usable.Any(v => v.Id.StartsWith("v2", StringComparison.Ordinal))
                    ? Finding.Pass("api-version", type, $"Glance {usable.First(v => v.Id.StartsWith("v2", StringComparison.Ordinal)).Id}.")
                    : Finding.Fail("api-version", type, $"Glance v2 is not offered (found {Ids(versions)}).", "the suite needs the Glance v2 API."),
                _ => Finding.Pass("api-version", type, Ids(versions)),
            };
        }
    }

    private static string Ids(IReadOnlyList<ApiVersion> v) => v.Count == 0 ? "none" : string.Join(", ", v.Select(x => $"{x.Id} {x.Status}"));

    private static Finding Microversioned(string type, List<ApiVersion> usable, string id, string needed, string service)
    {
        var version = usable.FirstOrDefault(v => v.Id == id);
        if (version is null)
            return Finding.Fail("api-version", type, $"{service} API {id} is not offered.", $"the suite needs {service} {id}; ask the admin which API versions the cloud serves.");
        if (version.MaxMicroversion is not null && CompareMicroversions(version.MaxMicroversion, needed) < 0)
            return Finding.Fail("api-version", type, $"{service} supports microversions up to {version.MaxMicroversion}; the suite needs {needed}.",
                $"the cloud's {service} is older than the suite supports; ask the admin for an upgrade or use a newer cloud.");
        return Finding.Pass("api-version", type, $"{service} {id}, microversions {version.MinMicroversion ?? "?"} to {version.MaxMicroversion ?? "?"} (using {needed}).");
    }

    public static int CompareMicroversions(string a, string b)
    {
        static (int, int) P(string v)
        {
            var parts = v.Split('.');
            return (int.Parse(parts[0], CultureInfo.InvariantCulture), parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0);
        }
        return P(a).CompareTo(P(b));
    }

    public static IEnumerable<Finding> ExternalNetwork(PreflightPlan plan, PreflightState s)
    {
        if (s.ExternalNetworkMatches is null) yield break;
        var matches = s.ExternalNetworkMatches;
        var name = plan.ExternalNetwork;
        if (matches.Count == 0)
            yield return Finding.Fail("external-network", name, $"no network named '{name}' is visible to the project.",
                "set openstack.externalNetwork to the provider network your cloud gives floating IPs from (`openstack network list --external`).");
        else if (!matches.Any(n => n.External))
            yield return Finding.Fail("external-network", name, $"'{name}' exists but is not router:external, so it cannot hold the router gateway or give floating IPs.",
                "choose a network with router:external=True (`openstack network list --external`), or ask the admin to run `openstack network set --external " + name + "`.");
        else if (matches.Count(n => n.External) > 1)
            yield return Finding.Fail("external-network", name, $"{matches.Count(n => n.External)} external networks are named '{name}'; Terraform cannot tell them apart.",
                "ask the admin to rename one, or use a uniquely named external network.");
        else
            yield return Finding.Pass("external-network", name, $"router:external network {matches.First(n => n.External).Id}.");
    }

    public static IEnumerable<Finding> FloatingIp(PreflightPlan plan, PreflightState s)
    {
        if (s.FloatingIp is not { } f) yield break;
        if (plan.FloatingIp is { } address)
        {
            if (f.RequestedAddress is null)
                yield return Finding.Fail("floating-ip", address, $"the floating IP {address} is not allocated to this project.",
                    "allocate it first (`openstack floating ip create --floating-ip-address " + address + " " + plan.ExternalNetwork + "`, admin only on most clouds), or leave openstack.floatingIp empty to take one from the pool.");
            else if (f.RequestedAddress.PortId is { Length: > 0 } port)
                yield return Finding.Fail("floating-ip", address, $"the floating IP {address} is already associated with port {port}.",
                    "disassociate it (`openstack floating ip unset --port " + address + "`) or choose a free address.");
            else
                yield return Finding.Pass("floating-ip", address, "pre-allocated to this project and free.");
            yield break;
        }
        if (f.PoolFreeAddresses is { } free)
        {
            yield return free >= 1
                ? Finding.Pass("floating-ip", plan.ExternalNetwork, $"{free:0} addresses free in the pool.")
                : Finding.Fail("floating-ip", plan.ExternalNetwork, "the floating-IP pool of the external network is exhausted (0 addresses free).",
                    "release unused floating IPs (`openstack floating ip list --status DOWN`), ask the admin to extend the allocation pool, or pre-allocate one and set openstack.floatingIp.");
            yield break;
        }
        yield return f.TrialAllocationSucceeded == true
            ? Finding.Pass("floating-ip", plan.ExternalNetwork, "a trial allocation from the pool succeeded (and was released).")
            : Finding.Fail("floating-ip", plan.ExternalNetwork,
                f.TrialError is { } e && (e.Contains("No more IP addresses", StringComparison.OrdinalIgnoreCase) || e.Contains("IpAddressGenerationFailure", StringComparison.Ordinal))
                    ? $"the floating-IP pool of the external network is exhausted: {e}"
                    : $"a floating IP could not be allocated from the pool: {f.TrialError}",
                "release unused floating IPs, ask the admin to extend the allocation pool or raise the floatingip quota, or pre-allocate one and set openstack.floatingIp.");
    }

    public static IEnumerable<Finding> Quotas(PreflightPlan plan, PreflightState s)
    {
        foreach (var error in s.QuotaErrors)
            yield return new Finding("quota", "read", FindingStatus.Warn, $"a quota could not be read: {error}", "ask the admin for read access to the project's quotas.");
        if (s.Quotas is null) yield break;
        var flavors = s.Flavors ?? [];
        int V(FlavorNeed f) => flavors.FirstOrDefault(x => x.Name == f.Name)?.Vcpus ?? f.MinVcpus;
        int R(FlavorNeed f) => flavors.FirstOrDefault(x => x.Name == f.Name)?.RamMb ?? f.MinRamMb;
        var securityGroups = SecurityGroupNeed(plan, s.DefaultSecurityGroupExists);
        var needs = new (string Quota, long Need, string Why)[]
        {
            ("instances", plan.Instances, $"{plan.ControlPlane.Count} control plane + {plan.Worker.Count} workers"),
            ("cores", (long)V(plan.ControlPlane) * plan.ControlPlane.Count + (long)V(plan.Worker) * plan.Worker.Count, "vCPUs of the flavors"),
            ("ram", (long)R(plan.ControlPlane) * plan.ControlPlane.Count + (long)R(plan.Worker) * plan.Worker.Count, "MiB of RAM of the flavors"),
            ("volumes", plan.Volumes, "data volumes and persistent volumes"),
            ("gigabytes", plan.VolumeGigabytes, "GiB of volumes"),
            ("networks", 1, "the tenant network"),
            ("subnets", 1, "the tenant subnet"),
            ("routers", 1, "the router to the external network"),
            ("ports", plan.Ports, "node ports, router interface, DHCP"),
            ("floatingips", plan.FloatingIp is null ? 1 : 0, "the single public IP"),
            ("security_groups", securityGroups.Groups, securityGroups.GroupsWhy),
            ("security_group_rules", securityGroups.Rules, securityGroups.RulesWhy),
        };
        foreach (var (quota, need, why) in needs)
        {
            if (!s.Quotas.TryGetValue(quota, out var usage))
            {
                if (need > 0) yield return new Finding("quota", quota, FindingStatus.Warn, "the cloud did not report this quota.", "");
                continue;
            }
            if (usage.Unlimited || usage.Free >= need)
                yield return Finding.Pass("quota", quota, $"needs {need} ({why}); {(usage.Unlimited ? "unlimited" : $"{usage.Free} free of {usage.Limit}")}.");
            else
                yield return Finding.Fail("quota", quota, $"needs {need} ({why}) but only {Math.Max(0, usage.Free)} of {usage.Limit} are free ({usage.Used} used).",
                    $"ask the OpenStack admin to raise the {quota} quota to at least {usage.Used + usage.Reserved + need} (`openstack quota set --{QuotaFlag(quota)} {usage.Used + usage.Reserved + need} <project>`), or free some, or plan fewer/smaller nodes.");
        }
    }

    private static string QuotaFlag(string quota) => quota switch
    {
        "security_groups" => "secgroups",
        "security_group_rules" => "secgroup-rules",
        "floatingips" => "floating-ips",
        _ => quota,
    };

    public static IEnumerable<Finding> Image(PreflightPlan plan, PreflightState s)
    {
        if (s.ImageMatches is null) yield break;
        var active = s.ImageMatches.Where(i => i.Status == "active").ToList();
        if (s.ImageMatches.Count == 0)
            yield return Finding.Fail("image", plan.Image, $"no image named '{plan.Image}' is visible to the project.",
                "upload it (`openstack image create --disk-format qcow2 --file <cloud image> " + plan.Image + "`) or set openstack.image to an existing Debian 12 / Ubuntu 24.04 cloud image (`openstack image list`).");
        else if (active.Count == 0)
            yield return Finding.Fail("image", plan.Image, $"the image exists but is {s.ImageMatches[0].Status}, not active.", "wait for the upload to finish or upload it again.");
        else if (active.Count > 1)
            yield return Finding.Fail("image", plan.Image, $"{active.Count} active images are named '{plan.Image}'; the choice would be ambiguous.",
                "delete or rename the older ones, or give each image a unique name.");
        else
            yield return Finding.Pass("image", plan.Image, $"active image {active[0].Id}" + (active[0].MinDiskGb > 0 ? $", needs {active[0].MinDiskGb} GB disk" : "") + ".");
    }

    public static IEnumerable<Finding> Flavors(PreflightPlan plan, PreflightState s)
    {
        if (s.Flavors is null) yield break;
        var image = s.ImageMatches?.FirstOrDefault(i => i.Status == "active");
        foreach (var need in new[] { plan.ControlPlane, plan.Worker })
        {
            var flavor = s.Flavors.FirstOrDefault(f => f.Name == need.Name);
            if (flavor is null)
            {
                yield return Finding.Fail("flavor", need.Name, $"the {need.Role} flavor '{need.Name}' does not exist or is not available to the project.",
                    $"set openstack.{(need.Role == "worker" ? "workerFlavor" : "controlPlaneFlavor")} to one of: {string.Join(", ", s.Flavors.Select(f => f.Name).Order(StringComparer.Ordinal).Take(12))}.");
                continue;
            }
            var minDisk = Math.Max(need.MinDiskGb, image?.MinDiskGb ?? 0);
            var minRam = Math.Max(need.MinRamMb, image?.MinRamMb ?? 0);
            var short_ = new List<string>();
            if (flavor.Vcpus < need.MinVcpus) short_.Add($"{flavor.Vcpus} vCPUs < {need.MinVcpus}");
            if (flavor.RamMb < minRam) short_.Add($"{flavor.RamMb} MiB RAM < {minRam}");
            if (flavor.DiskGb < minDisk) short_.Add($"{flavor.DiskGb} GB root disk < {minDisk}");
            yield return short_.Count == 0
                ? Finding.Pass("flavor", need.Name, $"{need.Role}: {flavor.Vcpus} vCPUs, {flavor.RamMb} MiB, {flavor.DiskGb} GB.")
                : Finding.Fail("flavor", need.Name, $"the {need.Role} flavor is too small: {string.Join(", ", short_)}.",
                    $"choose a flavor with at least {need.MinVcpus} vCPUs, {minRam} MiB RAM and {minDisk} GB disk (`openstack flavor list`), or lower openstack.checks.min* if you know the load is smaller.");
        }
    }

    public static IEnumerable<Finding> Keypair(PreflightPlan plan, PreflightState s)
    {
        if (!s.KeypairFetched) yield break;
        if (s.Keypair is not null)
        {
            yield return Finding.Pass("keypair", plan.Keypair, $"exists ({s.Keypair.Type ?? "ssh"}, {s.Keypair.Fingerprint}); Provision uses it as is.");
            yield break;
        }
        var quota = s.Quotas?.GetValueOrDefault("keypairs");
        yield return quota is null || quota.Free >= 1
            ? Finding.Pass("keypair", plan.Keypair, "does not exist yet; it can be created" + (quota is null ? "." : $" ({(quota.Unlimited ? "unlimited" : quota.Free.ToString(CultureInfo.InvariantCulture))} of the key pair quota free)."))
            : Finding.Fail("keypair", plan.Keypair, $"does not exist, and the key pair quota is used up ({quota.Used} of {quota.Limit}).",
                "delete unused key pairs (`openstack keypair list`) or ask the admin to raise the key_pairs quota.");
    }

    public static IEnumerable<Finding> ApplicationCredentials(PreflightState s)
    {
        if (s.ApplicationCredentialProbe is not { } probe) yield break;
        yield return probe.Succeeded
            ? Finding.Pass("application-credentials", "keystone", probe.Detail)
            : Finding.Fail("application-credentials", "keystone", $"the user may not create application credentials: {probe.Detail}",
                s.Auth.ViaApplicationCredential
                    ? "an application credential can create another only if it was made --unrestricted; log in with the password once, or create the credential as the user."
                    : "ask the admin to allow identity:create_application_credential for your role (it is allowed for members by default).");
    }

    public static IEnumerable<Finding> Extensions(PreflightPlan plan, PreflightState s)
    {
        if (s.NetworkExtensions is not { } ext) yield break;
        foreach (var alias in PreflightPlan.RequiredExtensions)
        {
            yield return ext.Contains(alias)
                ? Finding.Pass("extension", alias, "present.")
                : Finding.Fail("extension", alias, "the Neutron extension is missing; the platform's network cannot be built without it.", "use a cloud with Neutron's " + alias + " extension.");
        }
        yield return ext.Contains("port-security")
            ? Finding.Pass("extension", "port-security", "present (anti-spoofing per port; Audit checks it is on).")
            : new Finding("extension", "port-security", FindingStatus.Warn, "absent: ports cannot turn anti-spoofing off, and Audit cannot read its state.", "");
        var forwarding = ext.Contains(PreflightPlan.PortForwardingExtension);
        if (plan.FloatingIpMode == "port-forwarding" && !forwarding)
            yield return Finding.Fail("extension", PreflightPlan.PortForwardingExtension,
                "absent, but openstack.floatingIpMode is 'port-forwarding': the single public IP cannot forward ports to the nodes.",
                "set openstack.floatingIpMode=control-plane (the floating IP sits on the control plane and SSH jumps through it), or ask the admin to enable the port_forwarding service plugin.");
        else
            yield return new Finding("extension", PreflightPlan.PortForwardingExtension, forwarding ? FindingStatus.Pass : FindingStatus.Info,
                forwarding ? "present (openstack.floatingIpMode=port-forwarding possible)." : "absent (fine: openstack.floatingIpMode is control-plane).");
    }
}

/// <summary>How the platform names what it creates in OpenStack; Teardown's leak check and Audit find resources by it.</summary>
public static class PlatformNames
{
    public static string Keypair(string platform) => platform;

    /// <summary>True when a name or tag marks a resource as the platform's: the name is the platform's or starts with "platform-", or a tag says so.</summary>
    public static bool Owns(string platform, string? name, IEnumerable<string>? tags = null)
    {
        if (name is { Length: > 0 } n && (n == platform || n.StartsWith(platform + "-", StringComparison.Ordinal))) return true;
        return tags?.Any(t => t == platform || t == "platform=" + platform || t == "platform:" + platform) == true;
    }
}
