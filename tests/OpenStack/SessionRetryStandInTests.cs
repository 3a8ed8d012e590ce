using System.Net;
using Platform.Build.Logging;
using Platform.Build.OpenStack.Client;
using static Platform.Build.Tests.OpenStack.StandInOpenStack;

namespace Platform.Build.Tests.OpenStack;

/// <summary>
/// The Polly retries end to end: the real session and client over <see cref="StandInOpenStack"/>, which answers
/// scripted statuses and records every request, so the tests count what really went over the wire.
/// </summary>
public sealed class SessionRetryStandInTests
{
    private const string Networks = "GET /network/v2.0/networks";
    private const string CreateFloatingIp = "POST /network/v2.0/floatingips";

    private static async Task<(OpenStackSession Session, RecordingLog Log)> Connect(StandInOpenStack cloud, int retries)
    {
        var log = new RecordingLog();
        var http = new HttpClient(cloud) { Timeout = TimeSpan.FromSeconds(5) };
        var session = await OpenStackSession.ConnectAsync(Credentials(), log,
            new OpenStackSessionOptions { MaxRetries = retries, RetryBaseDelay = TimeSpan.FromMilliseconds(1) }, default, http);
        return (session, log);
    }

    [Test]
    public async Task A_get_answered_503_then_200_is_retried_and_succeeds()
    {
        var cloud = new StandInOpenStack().On(Networks, Status(HttpStatusCode.ServiceUnavailable, "busy"));
        var (session, log) = await Connect(cloud, retries: 2);
        using (session)
        {
            var networks = await new OpenStackApi(session).NetworksAsync("public");

            Assert.That(networks.Single().Id, Is.EqualTo("ext"));
            Assert.That(cloud.Count(Networks), Is.EqualTo(2));
            Assert.That(log.Text, Does.Contain("failed transiently (HTTP 503); retry 1 of 2"));
        }
    }

    [Test]
    public async Task A_get_that_stays_503_gives_up_after_max_retries_with_the_status()
    {
        var cloud = new StandInOpenStack().On(Networks, Enumerable.Repeat(Status(HttpStatusCode.ServiceUnavailable, "busy"), 5).ToArray());
        var (session, _) = await Connect(cloud, retries: 2);
        using (session)
        {
            var error = Assert.ThrowsAsync<OpenStackApiException>(() => new OpenStackApi(session).NetworksAsync("public"))!;
            Assert.That(error.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(cloud.Count(Networks), Is.EqualTo(3), "1 call + 2 retries");
        }
    }

    [Test]
    public async Task A_post_answered_502_is_not_retried_it_may_have_created_the_resource()
    {
        var cloud = new StandInOpenStack().On(CreateFloatingIp, Status(HttpStatusCode.BadGateway, "proxy error"),
            Status(HttpStatusCode.Created, """{"floatingip": {"id": "fip", "floating_ip_address": "203.0.113.5"}}"""));
        var (session, _) = await Connect(cloud, retries: 3);
        using (session)
        {
            var error = Assert.ThrowsAsync<OpenStackApiException>(() => new OpenStackApi(session).CreateFloatingIpAsync("ext", "test"))!;
            Assert.That(error.Status, Is.EqualTo(HttpStatusCode.BadGateway));
            Assert.That(cloud.Count(CreateFloatingIp), Is.EqualTo(1));
        }
    }

    [Test]
    public async Task A_post_answered_503_is_retried_the_service_says_it_did_not_take_it()
    {
        var cloud = new StandInOpenStack().On(CreateFloatingIp, Status(HttpStatusCode.ServiceUnavailable, "busy"),
            Status(HttpStatusCode.Created, """{"floatingip": {"id": "fip", "floating_ip_address": "203.0.113.5"}}"""));
        var (session, _) = await Connect(cloud, retries: 3);
        using (session)
        {
            Assert.That((await new OpenStackApi(session).CreateFloatingIpAsync("ext", "test")).Id, Is.EqualTo("fip"));
            Assert.That(cloud.Count(CreateFloatingIp), Is.EqualTo(2));
        }
    }

    [Test]
    public async Task Max_retries_zero_turns_retrying_off()
    {
        var cloud = new StandInOpenStack().On(Networks, Status(HttpStatusCode.ServiceUnavailable, "busy"));
        var (session, log) = await Connect(cloud, retries: 0);
        using (session)
        {
            var error = Assert.ThrowsAsync<OpenStackApiException>(() => new OpenStackApi(session).NetworksAsync("public"))!;
            Assert.That(error.Status, Is.EqualTo(HttpStatusCode.ServiceUnavailable));
            Assert.That(cloud.Count(Networks), Is.EqualTo(1));
            Assert.That(log.Text, Does.Not.Contain("retry"));
        }
    }

    [Test]
    public void Negative_max_retries_is_refused_with_the_option_named()
    {
        var error = Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Connect(new StandInOpenStack(), retries: -1))!;
        Assert.That(error.Message, Does.Contain("MaxRetries must be 0 (no retries) or more"));
    }
}
