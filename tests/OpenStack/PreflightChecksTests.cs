using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;
using Platform.Build.Settings;
using Platform.Build.Terraform;

namespace Platform.Build.Tests.OpenStack;

/// <summary>Each Preflight rule on a ready state (passes) and with the one mutation that must make it fail.</summary>
public sealed class PreflightChecksTests
{
    /// <summary>The plan the Preflight tests check against (PreflightFetcherStandInTests reads it too).</summary>
    internal static readonly PreflightPlan Plan = new()
    {
        Platform = "seed",
        ExternalNetwork = "public",
        FloatingIpMode = "control-plane",
        Image = "debian-12",
        ControlPlane = new FlavorNeed("control plane", "m1.medium", 1, 2, 4096, 20),
        Worker = new FlavorNeed("worker", "m1.large", 2, 2, 4096, 20),
        Keypair = "seed",
        PersistentVolumes = 3,
        PersistentVolumeSizeGb = 10,
        SecurityGroups = 4,
        SecurityGroupRules = 13,
    };

    private static QuotaUsage Q(long limit, long used = 0) => new(limit, used, 0);

    private static PreflightState Ready() => new()
    {
        Auth = new AuthState(AuthFailure.None, "", "alice", "platform"),
        Catalog = [.. new[] { "compute", "network", "image", "volumev3" }.Select(t => new CatalogEndpoint(t, t, "public", "R1", $"https://{t}"))],
        Versions = new Dictionary<string, (IReadOnlyList<ApiVersion>, string?)>
        {
            ["compute"] = ([new ApiVersion("v2.1", "CURRENT", "2.93", "2.1")], null),
            ["network"] = ([new ApiVersion("v2.0", "CURRENT", null, null)], null),
            ["image"] = ([new ApiVersion("v2.15", "CURRENT", null, null)], null),
            ["block-storage"] = ([new ApiVersion("v3.0", "CURRENT", "3.70", "3.0")], null),
        },
        ExternalNetworkMatches = [new NetworkRecord { Id = "n1", Name = "public", External = true }],
        FloatingIp = new FloatingIpState(null, null, true, null),
        Quotas = new Dictionary<string, QuotaUsage>
        {
            ["instances"] = Q(10),
            ["cores"] = Q(20),
            ["ram"] = Q(51200),
            ["keypairs"] = Q(100),
            ["volumes"] = Q(10),
            ["gigabytes"] = Q(1000),
            ["networks"] = Q(100),
            ["subnets"] = Q(100),
            ["routers"] = Q(10),
            ["ports"] = Q(500),
            ["floatingips"] = Q(50),
            ["security_groups"] = Q(10),
            ["security_group_rules"] = Q(100),
        },
        ImageMatches = [new ImageRecord { Id = "i1", Name = "debian-12", Status = "active" }],
        Flavors = [new FlavorRecord { Id = "f1", Name = "m1.medium", Vcpus = 2, RamMb = 4096, DiskGb = 20 },
                   new FlavorRecord { Id = "f2", Name = "m1.large", Vcpus = 4, RamMb = 8192, DiskGb = 40 }],
        KeypairFetched = true,
        ApplicationCredentialProbe = new ProbeResult(true, "created and deleted"),
        NetworkExtensions = new HashSet<string> { "external-net", "router", "security-group", "port-security" },
    };

    private static List<Finding> Failures(PreflightState state, PreflightPlan? plan = null) =>
        PreflightChecks.Evaluate(plan ?? Plan, state).Where(f => f.Status == FindingStatus.Fail).ToList();

    [Test]
    public void A_ready_tenant_has_no_failure_and_every_check_reports()
    {
        var findings = PreflightChecks.Evaluate(Plan, Ready());
        Assert.That(findings.Where(f => f.Status == FindingStatus.Fail), Is.Empty);
        Assert.That(findings.Select(f => f.Check).Distinct(), Is.EquivalentTo(new[]
            { "auth", "catalog", "api-version", "external-network", "floating-ip", "quota", "image", "flavor", "keypair", "application-credentials", "extension" }));
        var ram = findings.Single(f => f.Subject == "ram");
        Assert.That(ram.Detail, Does.StartWith("needs 20480"), "4096 + 2 x 8192 MiB from the real flavors");
    }

    [TestCase(AuthFailure.WrongPassword, "refused the user or password")]
    [TestCase(AuthFailure.WrongProject, "the password is right, but the project was refused")]
    [TestCase(AuthFailure.Unreachable, "cannot be reached")]
    public void A_failed_authentication_is_the_only_finding(AuthFailure failure, string text)
    {
        var findings = PreflightChecks.Evaluate(Plan, new PreflightState { Auth = new AuthState(failure, "x", ProjectsOfUser: ["a", "b"]) });
        Assert.That(findings.Single().Detail, Does.Contain(text));
        Assert.That(findings.Single().Status, Is.EqualTo(FindingStatus.Fail));
    }

    [Test]
    public void A_service_missing_from_the_catalog_fails_and_one_under_another_interface_says_so()
    {
        var s = Ready() with { Catalog = Ready().Catalog.Where(e => e.ServiceType != "volumev3").Append(new CatalogEndpoint("volumev3", "cinder", "internal", "R1", "x")).ToList() };
        var f = Failures(s).Single();
        Assert.That((f.Check, f.Subject), Is.EqualTo(("catalog", "block-storage")));
        Assert.That(f.Fix, Does.Contain("OS_INTERFACE"));
    }

    [Test]
    public void A_nova_older_than_the_microversion_fails()
    {
        var s = Ready();
        var versions = new Dictionary<string, (IReadOnlyList<ApiVersion>, string?)>(s.Versions) { ["compute"] = ([new ApiVersion("v2.1", "CURRENT", "2.60", "2.1")], null) };
        Assert.That(Failures(s with { Versions = versions }).Single().Detail, Does.Contain("up to 2.60"));
        Assert.That(PreflightChecks.CompareMicroversions("2.100", "2.79"), Is.GreaterThan(0));
    }

    [Test]
    public void External_network_missing_not_external_or_ambiguous_fails()
    {
        Assert.That(Failures(Ready() with { ExternalNetworkMatches = [] }).Single().Detail, Does.Contain("no network named 'public'"));
        Assert.That(Failures(Ready() with { ExternalNetworkMatches = [new NetworkRecord { Name = "public" }] }).Single().Detail, Does.Contain("not router:external"));
        Assert.That(Failures(Ready() with { ExternalNetworkMatches = [new NetworkRecord { Name = "public", External = true }, new NetworkRecord { Name = "public", External = true }] }).Single().Detail,
            Does.Contain("2 external networks"));
    }

    [Test]
    public void An_exhausted_pool_fails_whether_counted_or_tried()
    {
        Assert.That(Failures(Ready() with { FloatingIp = new FloatingIpState(null, 0, null, null) }).Single().Detail, Does.Contain("exhausted"));
        Assert.That(Failures(Ready() with { FloatingIp = new FloatingIpState(null, null, false, "No more IP addresses available on network n1.") }).Single().Detail,
            Does.Contain("exhausted"));
        Assert.That(Failures(Ready() with { FloatingIp = new FloatingIpState(null, 12, null, null) }), Is.Empty);
    }

    [Test]
    public void A_pre_allocated_address_must_be_ours_and_free()
    {
        var plan = Plan with { FloatingIp = "203.0.113.9" };
        Assert.That(Failures(Ready() with { FloatingIp = new FloatingIpState(null, null, null, null) }, plan).Single().Detail, Does.Contain("not allocated to this project"));
        Assert.That(Failures(Ready() with { FloatingIp = new FloatingIpState(new FloatingIpRecord { Address = "203.0.113.9", PortId = "p9" }, null, null, null) }, plan).Single().Detail,
            Does.Contain("already associated with port p9"));
        Assert.That(Failures(Ready() with { FloatingIp = new FloatingIpState(new FloatingIpRecord { Address = "203.0.113.9" }, null, null, null) }, plan), Is.Empty);
    }

    [TestCase("instances", 2, 0)]
    [TestCase("cores", 20, 11)]
    [TestCase("ram", 51200, 40000)]
    [TestCase("volumes", 2, 0)]
    [TestCase("gigabytes", 100, 80)]
    [TestCase("security_group_rules", 100, 80)]
    [TestCase("security_groups", 10, 6)]
    public void A_quota_without_room_for_the_plan_fails_with_the_number_to_ask_for(string quota, long limit, long used)
    {
        var quotas = new Dictionary<string, QuotaUsage>(Ready().Quotas!) { [quota] = Q(limit, used) };
        var f = Failures(Ready() with { Quotas = quotas }).Single();
        Assert.That(f.Subject, Is.EqualTo(quota));
        Assert.That(f.Fix, Does.Contain("raise the " + quota + " quota to at least"));
    }

    [TestCase(1)]
    [TestCase(3)]
    public void The_security_group_need_is_the_intended_matrix_plus_neutrons_own_groups_and_rules(int adminCidrCount)
    {
        var cidrs = Enumerable.Range(1, adminCidrCount).Select(i => $"198.51.{i}.0/24").ToList();
        var intent = IntentBuilder.Kubernetes("seed", cidrs);
        var settings = SettingsLoader.Load(Support.Repo.Root, "Preflight", new Dictionary<string, string>
        {
            ["platform.name"] = "seed",
            ["openstack.adminCidrs"] = string.Join(",", cidrs),
            ["openstack.externalNetwork"] = "public",
        }, new Dictionary<string, string>());

        var plan = PreflightPlan.FromSettings(settings, intent);

        // The same groups the Terraform layout names, and every rule of the matrix: SSH and API per admin range.
        Assert.That(plan.SecurityGroups, Is.EqualTo(NodeLayout.SecurityGroups("seed").Count));
        Assert.That(plan.SecurityGroupRules, Is.EqualTo(intent.Rules.Count));
        Assert.That(intent.Rules.Count(r => r.Group == IntentBuilder.Admin("seed")), Is.EqualTo(2 * adminCidrCount));
        var rules = intent.Rules.Count + 2 * plan.SecurityGroups + 4;
        var groups = plan.SecurityGroups + 1;
        var need = PreflightChecks.SecurityGroupNeed(plan, defaultGroupExists: null);
        Assert.That((need.Groups, need.Rules), Is.EqualTo((groups, rules)));

        // The quota check at its boundary: exactly enough passes, one short fails with the number to ask for.
        Finding Rules(long limit, long used = 0, bool? defaultExists = null) => PreflightChecks.Quotas(plan, Ready() with
        {
            Quotas = new Dictionary<string, QuotaUsage>(Ready().Quotas!) { ["security_group_rules"] = Q(limit, used) },
            DefaultSecurityGroupExists = defaultExists,
        }).Single(f => f.Subject == "security_group_rules");
        Assert.That(Rules(rules).Status, Is.EqualTo(FindingStatus.Pass));
        Assert.That(Rules(rules).Detail, Does.StartWith($"needs {rules} ({intent.Rules.Count} of the rule matrix + 8 egress rules").And.Contain("+ 4 of the default group"));
        var short_ = Rules(rules - 1);
        Assert.That(short_.Status, Is.EqualTo(FindingStatus.Fail));
        Assert.That(short_.Fix, Does.Contain($"raise the security_group_rules quota to at least {rules}"));
        // When the default group exists, its 4 rules are already in "used" and not needed again.
        Assert.That(Rules(rules, used: 4, defaultExists: true).Status, Is.EqualTo(FindingStatus.Pass));
        Assert.That(Rules(rules, used: 5, defaultExists: true).Status, Is.EqualTo(FindingStatus.Fail));

        Finding Groups(long limit, long used = 0, bool? defaultExists = null) => PreflightChecks.Quotas(plan, Ready() with
        {
            Quotas = new Dictionary<string, QuotaUsage>(Ready().Quotas!) { ["security_groups"] = Q(limit, used) },
            DefaultSecurityGroupExists = defaultExists,
        }).Single(f => f.Subject == "security_groups");
        Assert.That(Groups(groups).Status, Is.EqualTo(FindingStatus.Pass));
        Assert.That(Groups(groups - 1).Status, Is.EqualTo(FindingStatus.Fail));
        Assert.That(Groups(groups, used: 1, defaultExists: true).Status, Is.EqualTo(FindingStatus.Pass));
        Assert.That(Groups(groups - 1, used: 1, defaultExists: true).Status, Is.EqualTo(FindingStatus.Fail));
    }

    [Test]
    public void Each_admin_range_adds_its_ssh_and_api_rules_to_the_need()
    {
        var one = PreflightPlan.FromSettings(Settings("198.51.1.0/24"), IntentBuilder.Kubernetes("seed", ["198.51.1.0/24"]));
        var three = PreflightPlan.FromSettings(Settings("198.51.1.0/24"), IntentBuilder.Kubernetes("seed", ["198.51.1.0/24", "198.51.2.0/24", "2001:db8::/48"]));
        Assert.That(three.SecurityGroupRules - one.SecurityGroupRules, Is.EqualTo(4));
        Assert.That(PreflightChecks.SecurityGroupNeed(three, null).Rules - PreflightChecks.SecurityGroupNeed(one, null).Rules, Is.EqualTo(4));

        static PlatformSettings Settings(string cidrs) => SettingsLoader.Load(Support.Repo.Root, "Preflight", new Dictionary<string, string>
        {
            ["platform.name"] = "seed",
            ["openstack.adminCidrs"] = cidrs,
            ["openstack.externalNetwork"] = "public",
        }, new Dictionary<string, string>());
    }

    [Test]
    public void Each_kind_of_read_failure_is_a_failed_finding_with_its_own_fix()
    {
        var fixes = new Dictionary<ReadFailure, string>
        {
            [ReadFailure.Api] = "runbook",
            [ReadFailure.Unreachable] = "DNS, proxy, firewall",
            [ReadFailure.TimedOut] = "overloaded",
            [ReadFailure.Malformed] = "openstack endpoint list",
        };
        foreach (var (kind, fix) in fixes)
        {
            var f = Failures(Ready() with { FetchErrors = [new ReadError("flavors", kind, "boom")] }).Single();
            Assert.That((f.Check, f.Subject), Is.EqualTo(("read", "flavors")));
            Assert.That(f.Detail, Does.Contain("boom"));
            Assert.That(f.Fix, Does.Contain(fix), kind.ToString());
        }
    }

    [Test]
    public void An_unlimited_quota_passes() =>
        Assert.That(Failures(Ready() with { Quotas = new Dictionary<string, QuotaUsage>(Ready().Quotas!) { ["cores"] = Q(-1, 500) } }), Is.Empty);

    [Test]
    public void Image_missing_inactive_or_ambiguous_fails()
    {
        Assert.That(Failures(Ready() with { ImageMatches = [] }).Single().Detail, Does.Contain("no image named"));
        Assert.That(Failures(Ready() with { ImageMatches = [new ImageRecord { Name = "debian-12", Status = "queued" }] }).Single().Detail, Does.Contain("queued"));
        Assert.That(Failures(Ready() with { ImageMatches = [new ImageRecord { Status = "active" }, new ImageRecord { Status = "active" }] }).Single().Detail,
            Does.Contain("2 active images"));
    }

    [Test]
    public void A_flavor_that_is_missing_or_too_small_for_the_role_or_the_image_fails()
    {
        var small = Ready() with { Flavors = [Ready().Flavors![0] with { Vcpus = 1 }, Ready().Flavors![1]] };
        Assert.That(Failures(small).Single().Detail, Does.Contain("1 vCPUs < 2"));
        Assert.That(Failures(Ready() with { Flavors = [Ready().Flavors![1]] }).Single().Detail, Does.Contain("does not exist"));
        var bigImage = Ready() with { ImageMatches = [new ImageRecord { Name = "debian-12", Status = "active", MinDiskGb = 30 }] };
        Assert.That(Failures(bigImage).Single().Detail, Does.Contain("20 GB root disk < 30"), "the control plane's 20 GB is below the image's min_disk");
    }

    [Test]
    public void A_missing_keypair_needs_room_in_the_keypair_quota()
    {
        Assert.That(Failures(Ready() with { Quotas = new Dictionary<string, QuotaUsage>(Ready().Quotas!) { ["keypairs"] = Q(5, 5) } }).Single().Check, Is.EqualTo("keypair"));
        Assert.That(Failures(Ready() with { Keypair = new KeypairRecord { Name = "seed" }, Quotas = new Dictionary<string, QuotaUsage>(Ready().Quotas!) { ["keypairs"] = Q(5, 5) } }),
            Is.Empty, "an existing keypair needs no room");
    }

    [Test]
    public void Application_credentials_refused_fails_with_the_unrestricted_hint_when_logged_in_with_one()
    {
        var s = Ready() with { ApplicationCredentialProbe = new ProbeResult(false, "403 Forbidden"), Auth = new AuthState(AuthFailure.None, "", ViaApplicationCredential: true) };
        Assert.That(Failures(s).Single().Fix, Does.Contain("--unrestricted"));
    }

    [Test]
    public void Port_forwarding_mode_is_refused_without_its_extension_and_required_extensions_are_checked()
    {
        var plan = Plan with { FloatingIpMode = "port-forwarding" };
        Assert.That(Failures(Ready(), plan).Single().Subject, Is.EqualTo(PreflightPlan.PortForwardingExtension));
        var withForwarding = Ready() with { NetworkExtensions = new HashSet<string>(Ready().NetworkExtensions!) { PreflightPlan.PortForwardingExtension } };
        Assert.That(Failures(withForwarding, plan), Is.Empty);
        Assert.That(Failures(Ready() with { NetworkExtensions = new HashSet<string> { "external-net", "security-group" } }).Single().Subject, Is.EqualTo("router"));
    }

    [Test]
    public void A_read_error_is_a_failure_not_a_silent_pass() =>
        Assert.That(Failures(Ready() with { FetchErrors = [new ReadError("flavors", ReadFailure.Api, "500 boom")] }).Single().Detail, Does.Contain("500 boom"));

    [Test]
    public void Platform_names_own_the_prefix_and_tags_only()
    {
        Assert.That(PlatformNames.Owns("seed", "seed-net"), Is.True);
        Assert.That(PlatformNames.Owns("seed", "seed"), Is.True);
        Assert.That(PlatformNames.Owns("seed", "seedling-net"), Is.False);
        Assert.That(PlatformNames.Owns("seed", "other", ["platform=seed"]), Is.True);
        Assert.That(PlatformNames.Owns("seed", "other", ["platform=seed2"]), Is.False);
    }
}
