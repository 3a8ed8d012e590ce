using System.Diagnostics;
using Platform.Build.Inventory;
using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;
using Platform.Build.OpenStack.Fetch;
using Platform.Build.Reporting;

namespace Platform.Build;

/// <summary>
/// The OpenStack targets: Preflight (is the tenant ready?), Audit (does the live state match the intent?) and
/// LeakCheck (is anything of the platform left after Teardown?). Each fetches state over the typed client, runs the
/// pure checks of Platform.Build.OpenStack.Checks, adds one summary row per finding and writes the findings as JSON
/// evidence to artifacts/openstack/&lt;target&gt;.json. Any failed finding fails the target.
/// </summary>
public sealed partial class Suite
{
    private Func<CancellationToken, Task<SecurityIntent>>? _securityIntentSource;

    /// <summary>
    /// Where Preflight (room for the groups and rules) and Audit (the comparison) get the intended security state: by default the Terraform logic modules for these settings
    /// (TerraformIntent), the same matrix Provision creates. Tests may set an explicit intent.
    /// </summary>
    public Func<CancellationToken, Task<SecurityIntent>> SecurityIntentSource
    {
        get => _securityIntentSource ?? (ct => Terraform.TerraformIntent.LoadAsync(Runner, Settings, ct));
        set => _securityIntentSource = value;
    }

    /// <summary>HTTP behaviour of the OpenStack client (timeouts, retries, page size, clock); tests tune it.</summary>
    public OpenStackSessionOptions OpenStackOptions { get; set; } = new();

    public void Preflight() => Run(async () => FailOnFindings(await RunPreflightAsync()));

    public void Audit() => Run(async () => FailOnFindings(await RunAuditAsync()));

    public void LeakCheck() => Run(async () => FailOnFindings(await RunLeakCheckAsync()));

    /// <summary>Preflight without throwing on failed findings (build.cake's target throws; tests read the report).</summary>
    public async Task<CheckReport> RunPreflightAsync(CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var credentials = ResolveCredentials("Preflight");
        // The security groups and rules to find room for: the same intended matrix Provision creates and Audit checks.
        var plan = PreflightPlan.FromSettings(Settings, await SecurityIntentSource(ct));
        Log.Info($"Preflight: checking the OpenStack tenant with {credentials}.");
        var (state, session) = await PreflightFetcher.FetchAsync(credentials, plan, Log, OpenStackOptions, ct);
        session?.Dispose();
        return Record("Preflight", plan.Platform, PreflightChecks.Evaluate(plan, state), watch.Elapsed);
    }

    /// <summary>Audit without throwing on failed findings: the live project against <see cref="SecurityIntentSource"/>.</summary>
    public async Task<CheckReport> RunAuditAsync(CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var intent = await SecurityIntentSource(ct);
        using var session = await ConnectAsync("Audit", ct);
        Log.Info($"Audit: comparing project {session.Token.ProjectName} with the intended rule matrix of '{intent.Platform}'.");
        var live = await LiveStateFetcher.FetchAsync(new OpenStackApi(session), ct);
        return Record("Audit", intent.Platform, AuditChecks.Compare(intent, live, AuditExpectations.FromSettings(Settings)), watch.Elapsed);
    }

    /// <summary>The leak check without throwing on failed findings.</summary>
    public async Task<CheckReport> RunLeakCheckAsync(CancellationToken ct = default)
    {
        var watch = Stopwatch.StartNew();
        var platform = Settings.Get("platform.name");
        using var session = await ConnectAsync("LeakCheck", ct);
        Log.Info($"LeakCheck: looking for anything of '{platform}' left in project {session.Token.ProjectName}.");
        var state = await LiveStateFetcher.FetchLeaksAsync(new OpenStackApi(session), ct);
        return Record("LeakCheck", platform, LeakChecks.Evaluate(platform, state), watch.Elapsed);
    }

    private OpenStackCredentials ResolveCredentials(string target)
    {
        try
        {
            return CredentialResolver.Resolve(Environment, Settings.Get("openstack.cloud"),
                CredentialResolver.DefaultSearchPaths(Environment, Directory.GetCurrentDirectory()));
        }
        catch (OpenStackCredentialException e)
        {
            foreach (var problem in e.Problems) Summary.Add(target, "credentials", StepStatus.Failed, problem);
            throw;
        }
    }

    private async Task<OpenStackSession> ConnectAsync(string target, CancellationToken ct)
    {
        var credentials = ResolveCredentials(target);
        try
        {
            return await OpenStackSession.ConnectAsync(credentials, Log, OpenStackOptions, ct);
        }
        catch (OpenStackApiException e)
        {
            Summary.Add(target, "auth keystone", StepStatus.Failed, e.Message + " Run ./build.sh --target=Preflight for a diagnosis.");
            throw;
        }
    }

    private CheckReport Record(string target, string platform, IReadOnlyList<Finding> findings, TimeSpan elapsed)
    {
        var report = new CheckReport(target, platform, DateTimeOffset.UtcNow, findings);
        foreach (var f in findings)
        {
            var status = f.Status switch
            {
                FindingStatus.Pass => StepStatus.Passed,
                FindingStatus.Fail => StepStatus.Failed,
                FindingStatus.Warn => StepStatus.Warning,
                _ => StepStatus.Skipped,
            };
            var detail = f.Detail + (f.Fix.Length > 0 ? " Fix: " + f.Fix : "") + (f.IsoControl is null ? "" : $" [ISO 27001 {f.IsoControl}]");
            Summary.Add(target, $"{f.Check} {f.Subject}", status, detail);
        }
        var path = OutputPath("openstack", target.ToLowerInvariant() + ".json");
        File.WriteAllText(path, Logging.Redaction.Apply(report.ToJson()));
        Summary.Add(target, "report", StepStatus.Passed, $"{findings.Count} findings, {report.Failures.Count()} failed; written to {path}", elapsed);
        return report;
    }

    private static void FailOnFindings(CheckReport report)
    {
        if (report.Passed) return;
        throw new OpenStackCheckFailedException(report);
    }
}

/// <summary>A target's checks found problems; the message lists each failed finding with its fix.</summary>
public sealed class OpenStackCheckFailedException(CheckReport report)
    : Exception($"{report.Target} failed {report.Failures.Count()} check(s):\n  " + string.Join("\n  ", report.Failures))
{
    public CheckReport Report { get; } = report;
}
