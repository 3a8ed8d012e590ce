using System.Net;
using System.Text.Json;
using Platform.Build.Logging;
using Platform.Build.OpenStack.Checks;
using Platform.Build.OpenStack.Client;
using Platform.Build.OpenStack.Fetch;
using static Platform.Build.Tests.OpenStack.StandInOpenStack;

namespace Platform.Build.Tests.OpenStack;

/// <summary>
/// Preflight's fetcher through the real session and client, against <see cref="StandInOpenStack"/>: a dropped
/// connection (after the retries), a timeout and an answer that is not the API's JSON each become a named finding with
/// its fix, and the rest of the table is still filled. Only the caller's own cancellation ends the run.
/// </summary>
public sealed class PreflightFetcherStandInTests
{
    private const int Retries = 1;

    private static readonly PreflightPlan Plan = PreflightChecksTests.Plan with { PersistentVolumes = 0, PersistentVolumeSizeGb = 0 };

    private static async Task<(IReadOnlyList<Finding> Findings, PreflightState State, RecordingLog Log)> Preflight(StandInOpenStack cloud,
        CancellationToken ct = default)
    {
        var log = new RecordingLog();
        using var http = new HttpClient(cloud) { Timeout = TimeSpan.FromMilliseconds(300) };
        var options = new OpenStackSessionOptions { MaxRetries = Retries, RetryBaseDelay = TimeSpan.FromMilliseconds(1) };
        var (state, session) = await PreflightFetcher.FetchAsync(Credentials(), Plan, log, options, ct, http);
        session?.Dispose();
        return (PreflightChecks.Evaluate(Plan, state), state, log);
    }

    private static List<Finding> Failed(IReadOnlyList<Finding> findings) => findings.Where(f => f.Status == FindingStatus.Fail).ToList();

    private static Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>>[] Times(int n, Func<HttpRequestMessage, CancellationToken, Task<HttpResponseMessage>> answer) =>
        Enumerable.Repeat(answer, n).ToArray();

    [Test]
    public async Task The_stand_in_answers_as_a_ready_tenant_so_every_failure_below_comes_from_the_one_scripted_call()
    {
        var cloud = new StandInOpenStack();
        var (findings, state, log) = await Preflight(cloud);
        Assert.That(Failed(findings), Is.Empty, string.Join("\n", findings));
        Assert.That(findings.Count(f => f.Status == FindingStatus.Pass), Is.GreaterThan(20));
        Assert.That(state.DefaultSecurityGroupExists, Is.True);
        var requests = cloud.Requests.ToList();
        Assert.That(requests.IndexOf("GET /network/v2.0/security-groups"), Is.GreaterThanOrEqualTo(0).And.LessThan(requests.IndexOf("GET /network/v2.0/quotas/p1/details")),
            "the default group is read before the quotas that then count it");
        Assert.That(log.Text, Does.Not.Contain("standin-password-1234").And.Not.Contain(TokenValue).And.Not.Contain("standin-secret-5678"));
    }

    [TestCase("GET /compute/v2.1/flavors/detail", "flavors")]
    [TestCase("GET /compute/v2.1/os-keypairs/seed", "keypair")]
    [TestCase("GET /network/v2.0/extensions", "network extensions")]
    [TestCase("GET /network/v2.0/network-ip-availabilities/ext", "floating-IP pool")]
    [TestCase("GET /compute/v2.1/limits", "compute limits")]
    [TestCase("GET /network/v2.0/quotas/p1/details", "network quotas")]
    [TestCase("GET /image/v2/images", "image")]
    public async Task A_connection_that_keeps_failing_after_the_retries_is_an_unreachable_finding(string call, string step)
    {
        var cloud = new StandInOpenStack().On(call, Times(1 + Retries, ConnectionReset()));

        var (findings, _, _) = await Preflight(cloud);

        var f = Failed(findings).Single();
        Assert.That((f.Check, f.Subject), Is.EqualTo(("read", step)));
        Assert.That(f.Detail, Does.StartWith("the service could not be reached").And.Contain("Connection reset"));
        Assert.That(f.Fix, Does.Contain("DNS, proxy, firewall"));
        Assert.That(cloud.Count(call), Is.EqualTo(1 + Retries), "a GET is retried before it becomes a finding");
    }

    [Test]
    public async Task A_connection_that_fails_once_is_retried_and_no_finding()
    {
        var cloud = new StandInOpenStack().On("GET /compute/v2.1/flavors/detail", ConnectionReset());
        var (findings, _, log) = await Preflight(cloud);
        Assert.That(Failed(findings), Is.Empty);
        Assert.That(cloud.Count("GET /compute/v2.1/flavors/detail"), Is.EqualTo(2));
        Assert.That(log.Text, Does.Contain("failed transiently"));
    }

    [TestCase("GET /network/v2.0/extensions", "network extensions")]
    [TestCase("GET /network/v2.0/security-groups", "default security group")]
    [TestCase("GET /image/v2/images", "image")]
    public async Task A_call_without_an_answer_in_time_is_a_timeout_finding(string call, string step)
    {
        var cloud = new StandInOpenStack().On(call, Times(1 + Retries, NoAnswer()));

        var (findings, _, _) = await Preflight(cloud);

        var f = Failed(findings).Single();
        Assert.That((f.Check, f.Subject), Is.EqualTo(("read", step)));
        Assert.That(f.Detail, Does.StartWith("the service did not answer in time"));
        Assert.That(f.Fix, Does.Contain("overloaded"));
        Assert.That(cloud.Count(call), Is.EqualTo(1 + Retries));
    }

    [TestCase("GET /image/v2/images", "<html><body>Please log in</body></html>", "image")]
    [TestCase("GET /network/v2.0/quotas/p1/details", """{"quota": 5}""", "network quotas")]
    [TestCase("GET /network/v2.0/extensions", """{"extension": []}""", "network extensions")]
    [TestCase("GET /compute/v2.1/flavors/detail", """{"flavors": [{"id": "f1", "vcpus": "two"}]}""", "flavors")]
    public async Task An_answer_that_is_not_the_apis_json_is_a_malformed_finding(string call, string body, string step)
    {
        var cloud = new StandInOpenStack().On(call, Status(HttpStatusCode.OK, body));

        var (findings, _, _) = await Preflight(cloud);

        var f = Failed(findings).Single();
        Assert.That((f.Check, f.Subject), Is.EqualTo(("read", step)));
        Assert.That(f.Detail, Does.StartWith("the answer is not the OpenStack API's JSON"));
        Assert.That(f.Fix, Does.Contain("openstack endpoint list"));
    }

    [Test]
    public async Task A_version_document_that_cannot_be_read_fails_its_api_version_check()
    {
        var cloud = new StandInOpenStack().On("GET /volume/", Status(HttpStatusCode.OK, "Service Unavailable, try later"));
        var f = Failed((await Preflight(cloud)).Findings).Single();
        Assert.That((f.Check, f.Subject), Is.EqualTo(("api-version", "block-storage")));
        Assert.That(f.Detail, Does.Contain("not a version document"));
    }

    [Test]
    public async Task An_api_refusal_of_a_quota_is_still_only_a_warning()
    {
        var cloud = new StandInOpenStack().On("GET /compute/v2.1/limits",
            Status(HttpStatusCode.Forbidden, """{"forbidden": {"code": 403, "message": "Policy does not allow limits."}}"""));
        var (findings, _, _) = await Preflight(cloud);
        Assert.That(Failed(findings), Is.Empty);
        Assert.That(findings.Single(f => f.Check == "quota" && f.Subject == "read").Detail, Does.Contain("Policy does not allow limits"));
    }

    [Test]
    public async Task A_probe_whose_create_connection_drops_is_not_repeated_and_is_a_finding()
    {
        const string call = "POST /identity/v3/users/u1/application_credentials";
        var cloud = new StandInOpenStack().On(call, ConnectionReset());
        var f = Failed((await Preflight(cloud)).Findings).Single();
        Assert.That((f.Check, f.Subject), Is.EqualTo(("read", "application credentials")));
        Assert.That(cloud.Count(call), Is.EqualTo(1), "a create that may have happened is not repeated");
    }

    [Test]
    public async Task A_probe_that_cannot_be_deleted_is_a_warning_in_the_log_not_a_crash()
    {
        var cloud = new StandInOpenStack().On("DELETE /identity/v3/users/u1/application_credentials/ac1", Times(1 + Retries, ConnectionReset()));
        var (findings, _, log) = await Preflight(cloud);
        Assert.That(Failed(findings), Is.Empty);
        Assert.That(findings.Single(f => f.Check == "application-credentials").Detail, Does.Contain("deleting it failed"));
        Assert.That(log.Text, Does.Contain("openstack application credential delete ac1"));
    }

    [Test]
    public async Task Keystone_unreachable_timing_out_or_not_answering_json_is_the_only_finding()
    {
        const string tokens = "POST /identity/v3/auth/tokens";
        var reset = Failed((await Preflight(new StandInOpenStack().On(tokens, ConnectionReset()))).Findings).Single();
        Assert.That(reset.Check, Is.EqualTo("auth"));
        Assert.That(reset.Detail, Does.Contain("cannot be reached").And.Contain(AuthUrl));

        var cloud = new StandInOpenStack().On(tokens, NoAnswer());
        var (findings, _, _) = await Preflight(cloud);
        Assert.That(findings.Single().Detail, Does.Contain("cannot be reached").And.Contain("no answer in time"));
        Assert.That(cloud.Count(tokens), Is.EqualTo(1), "a POST that timed out may have been taken: not repeated");

        var html = new StandInOpenStack().On(tokens, (_, _) =>
        {
            var response = new HttpResponseMessage(HttpStatusCode.Created) { Content = new StringContent("{\"login\": \"please\"}") };
            response.Headers.TryAddWithoutValidation("X-Subject-Token", "t");
            return Task.FromResult(response);
        });
        var malformed = (await Preflight(html)).Findings.Single();
        Assert.That(malformed.Status, Is.EqualTo(FindingStatus.Fail));
        Assert.That(malformed.Detail, Does.StartWith("the answer at OS_AUTH_URL is not Keystone's v3 JSON"));
        Assert.That(malformed.Fix, Does.Contain("OS_AUTH_URL"));
    }

    [Test]
    public async Task A_refused_password_whose_diagnosis_cannot_reach_keystone_is_still_reported()
    {
        var cloud = new StandInOpenStack().On("POST /identity/v3/auth/tokens",
            Status(HttpStatusCode.Unauthorized, """{"error": {"code": 401, "message": "The request you have made requires authentication."}}"""),
            ConnectionReset());
        var f = (await Preflight(cloud)).Findings.Single();
        Assert.That(f.Detail, Does.Contain("refused the user or password").And.Contain("could not be told apart"));
    }

    [Test]
    public void The_callers_cancellation_is_not_turned_into_a_finding()
    {
        using var cancel = new CancellationTokenSource();
        var cloud = new StandInOpenStack().On("GET /compute/v2.1/flavors/detail", async (_, ct) =>
        {
            await cancel.CancelAsync();
            await Task.Delay(Timeout.Infinite, ct);
            return new HttpResponseMessage(HttpStatusCode.OK);
        });
        Assert.That(async () => await Preflight(cloud, cancel.Token), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void Read_errors_are_classified_and_bugs_are_not_swallowed()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        Assert.That(PreflightFetcher.AsReadError("s", new HttpRequestException("x"), default)!.Kind, Is.EqualTo(ReadFailure.Unreachable));
        Assert.That(PreflightFetcher.AsReadError("s", new TaskCanceledException("x", new TimeoutException()), default)!.Kind, Is.EqualTo(ReadFailure.TimedOut));
        Assert.That(PreflightFetcher.AsReadError("s", new TaskCanceledException(), cancelled.Token), Is.Null);
        Assert.That(PreflightFetcher.AsReadError("s", new JsonException("x"), default)!.Kind, Is.EqualTo(ReadFailure.Malformed));
        Assert.That(PreflightFetcher.AsReadError("s", new OpenStackApiException("compute", "GET", "x", HttpStatusCode.InternalServerError, "boom"), default)!.Kind,
            Is.EqualTo(ReadFailure.Api));
        Assert.That(PreflightFetcher.AsReadError("s", new NullReferenceException(), default), Is.Null);
    }
}
