using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Platform.Build.OpenStack.Client;
using Polly;

namespace Platform.Build.Tests.OpenStack;

public sealed class SessionTests
{
    private static Outcome<HttpResponseMessage> Status(HttpStatusCode code) => Outcome.FromResult(new HttpResponseMessage(code));

    [TestCase(HttpStatusCode.BadGateway, false, true)]
    [TestCase(HttpStatusCode.ServiceUnavailable, false, true)]
    [TestCase(HttpStatusCode.GatewayTimeout, false, true)]
    [TestCase(HttpStatusCode.InternalServerError, false, false)]
    [TestCase(HttpStatusCode.Conflict, false, false)]
    [TestCase(HttpStatusCode.ServiceUnavailable, true, true)]
    [TestCase(HttpStatusCode.GatewayTimeout, true, false)]
    public void Transient_statuses_are_retried_and_a_create_only_when_it_cannot_have_happened(HttpStatusCode code, bool create, bool retried) =>
        Assert.That(OpenStackSession.IsTransient(Status(code), default, create), Is.EqualTo(retried));

    [Test]
    public void Connection_failures_are_retried_but_a_create_only_when_refused()
    {
        var refused = new HttpRequestException("refused", new SocketException((int)SocketError.ConnectionRefused));
        var reset = new HttpRequestException("reset", new SocketException((int)SocketError.ConnectionReset));
        Assert.That(OpenStackSession.IsTransient(Outcome.FromException<HttpResponseMessage>(reset), default, false), Is.True);
        Assert.That(OpenStackSession.IsTransient(Outcome.FromException<HttpResponseMessage>(reset), default, true), Is.False);
        Assert.That(OpenStackSession.IsTransient(Outcome.FromException<HttpResponseMessage>(refused), default, true), Is.True);
        Assert.That(OpenStackSession.IsTransient(Outcome.FromException<HttpResponseMessage>(new TaskCanceledException()), new CancellationToken(true), false),
            Is.False, "a cancelled run is not retried");
    }

    [Test]
    public async Task A_create_whose_connection_is_reset_is_not_repeated_against_a_real_socket()
    {
        // A real loopback listener that accepts and closes at once: the POST cannot know whether it took effect.
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = 0;
        using var stop = new CancellationTokenSource();
        var server = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                using var client = await listener.AcceptTcpClientAsync(stop.Token);
                Interlocked.Increment(ref accepted);
            }
        });
        var log = new Logging.RecordingLog();
        var credentials = new OpenStackCredentials
        {
            AuthUrl = $"http://127.0.0.1:{port}/v3",
            UserName = "u",
            UserDomainName = "Default",
            Password = "p-1234",
            ProjectName = "p",
            ProjectDomainName = "Default",
        };
        var options = new OpenStackSessionOptions { MaxRetries = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10) };
        Assert.That(async () => await OpenStackSession.ConnectAsync(credentials, log, options), Throws.InstanceOf<HttpRequestException>());
        await stop.CancelAsync();
        listener.Stop();
        Assert.That(accepted, Is.EqualTo(1), "a POST whose connection was reset is not repeated: it may have created something");
        Assert.That(log.Text, Does.Not.Contain("p-1234"));
    }

    [Test]
    public void Error_bodies_of_each_service_give_their_message()
    {
        Assert.That(OpenStackApiException.From("network", "GET", "v2.0/x", HttpStatusCode.NotFound,
            """{"NeutronError": {"type": "NetworkNotFound", "message": "Network abc could not be found.", "detail": ""}}""").Detail,
            Is.EqualTo("Network abc could not be found."));
        Assert.That(OpenStackApiException.From("compute", "GET", "servers/x", HttpStatusCode.NotFound,
            """{"itemNotFound": {"code": 404, "message": "Instance x could not be found."}}""").Detail, Is.EqualTo("Instance x could not be found."));
        Assert.That(OpenStackApiException.From("identity", "POST", "/v3/auth/tokens", HttpStatusCode.Unauthorized,
            """{"error": {"code": 401, "message": "The request you have made requires authentication.", "title": "Unauthorized"}}""").Message,
            Does.Contain("401 Unauthorized").And.Contain("requires authentication"));
        Assert.That(OpenStackApiException.From("image", "GET", "v2/x?limit=2", HttpStatusCode.BadRequest, "<html>bad</html>").Message,
            Does.Contain("GET image v2/x failed (400 BadRequest): <html>bad</html>"));
    }

    [TestCase("http://h:9696", "http://h:9696")]
    [TestCase("http://h:9696/v2.0/", "http://h:9696")]
    [TestCase("https://h/network/v2.0", "https://h/network")]
    [TestCase("http://h:8776/v3/0123abcd", "http://h:8776")]
    [TestCase("http://h:9292/v2", "http://h:9292")]
    public void Version_documents_are_read_at_the_unversioned_root(string endpoint, string root) =>
        Assert.That(OpenStackApi.UnversionedRoot(endpoint), Is.EqualTo(root));

    [Test]
    public void A_token_response_gives_expiry_project_roles_and_the_catalog_for_interface_and_region()
    {
        var json = JsonDocument.Parse("""
            {"methods": ["password"], "user": {"id": "u1", "name": "alice"}, "project": {"id": "p1", "name": "platform"},
             "roles": [{"name": "member"}], "issued_at": "2026-01-01T10:00:00.000000Z", "expires_at": "2026-01-01T11:00:00.000000Z",
             "catalog": [{"type": "volumev3", "name": "cinder", "endpoints": [
                {"interface": "public", "region_id": "R1", "url": "https://c1/v3/p1"},
                {"interface": "internal", "region_id": "R1", "url": "http://c1-int/v3/p1"},
                {"interface": "public", "region_id": "R2", "url": "https://c2/v3/p1"}]}]}
            """).RootElement;
        var token = Keystone.ParseToken("tok", json);
        Assert.That(token.ExpiresAt - token.IssuedAt, Is.EqualTo(TimeSpan.FromHours(1)));
        Assert.That((token.ProjectId, token.Roles.Single()), Is.EqualTo(("p1", "member")));
        Assert.That(token.FindEndpoint(ServiceTypes.BlockStorage, "public", "R2")!.Url, Is.EqualTo("https://c2/v3/p1"));
        Assert.That(token.FindEndpoint(ServiceTypes.BlockStorage, "internal", null)!.Url, Is.EqualTo("http://c1-int/v3/p1"));
        Assert.That(token.FindEndpoint(ServiceTypes.Compute, "public", null), Is.Null);
    }
}
