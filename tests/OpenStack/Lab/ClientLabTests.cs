using System.Net;
using Platform.Build.Logging;
using Platform.Build.OpenStack.Client;

namespace Platform.Build.Tests.OpenStack.Lab;

/// <summary>The HTTP client against the real lab: token renewal (revoked, and really expired), pagination, microversions.</summary>
[TestFixture, Category("OpenStackLab"), NonParallelizable]
public sealed class ClientLabTests
{
    private static LabCloud Admin => LabSetUp.Admin;

    private sealed class ShiftedClock(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + shift;
    }

    private static async Task<HttpStatusCode> NeutronStatusWith(string token)
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://127.0.0.1:9696/v2.0/networks");
        request.Headers.TryAddWithoutValidation("X-Auth-Token", token);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    [Test]
    public async Task A_revoked_token_is_renewed_and_the_call_repeated()
    {
        var log = new RecordingLog();
        using var session = await OpenStackSession.ConnectAsync(Admin.MemberCredentials(LabSetUp.ReadyProject), log);
        var first = session.Token.Value;
        using (var http = new HttpClient())
        using (var revoke = new HttpRequestMessage(HttpMethod.Delete, OpenStackLab.AuthUrl + "/auth/tokens"))
        {
            revoke.Headers.TryAddWithoutValidation("X-Auth-Token", Admin.Session.Token.Value);
            revoke.Headers.TryAddWithoutValidation("X-Subject-Token", first);
            using var response = await http.SendAsync(revoke);
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }
        Assert.That(await NeutronStatusWith(first), Is.EqualTo(HttpStatusCode.Unauthorized), "the revoked token is really refused");

        var networks = await new OpenStackApi(session).NetworksAsync(LabSetUp.ExternalNetwork);

        Assert.That(networks, Has.Count.EqualTo(1));
        Assert.That(session.TokensIssued, Is.EqualTo(2));
        Assert.That(session.Token.Value, Is.Not.EqualTo(first));
        Assert.That(log.Text, Does.Contain("rejected the token (401)"));
        Assert.That(log.Text, Does.Not.Contain(first).And.Not.Contain(session.Token.Value).And.Not.Contain(Admin.MemberPassword));
    }

    [Test]
    public async Task A_token_that_expires_mid_run_is_renewed_before_the_next_call_or_after_the_401()
    {
        // Port 5001 issues real tokens that live 20 s. One session renews ahead of expiry (its clock is right); the
        // other believes its clock is an hour behind, so it only learns from the service's 401.
        var credentials = Admin.MemberCredentials(LabSetUp.ReadyProject, OpenStackLab.ShortTokenAuthUrl);
        var aheadLog = new RecordingLog();
        var lateLog = new RecordingLog();
        using var ahead = await OpenStackSession.ConnectAsync(credentials, aheadLog);
        using var late = await OpenStackSession.ConnectAsync(credentials, lateLog,
            new OpenStackSessionOptions { Time = new ShiftedClock(TimeSpan.FromHours(-1)) });
        var lifetime = ahead.Token.ExpiresAt - ahead.Token.IssuedAt;
        Assert.That(lifetime, Is.EqualTo(TimeSpan.FromSeconds(OpenStackLab.ShortTokenSeconds)).Within(TimeSpan.FromSeconds(2)));
        await new OpenStackApi(ahead).NetworksAsync(LabSetUp.ExternalNetwork);
        await new OpenStackApi(late).NetworksAsync(LabSetUp.ExternalNetwork);
        Assert.That((ahead.TokensIssued, late.TokensIssued), Is.EqualTo((1, 1)));

        var oldAhead = ahead.Token.Value;
        var wait = late.Token.ExpiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(2);
        TestContext.Progress.WriteLine($"waiting {wait.TotalSeconds:0}s for the lab tokens to expire");
        await Task.Delay(wait);
        Assert.That(await NeutronStatusWith(oldAhead), Is.EqualTo(HttpStatusCode.Unauthorized), "the old token really expired");

        Assert.That(await new OpenStackApi(ahead).NetworksAsync(LabSetUp.ExternalNetwork), Has.Count.EqualTo(1));
        Assert.That(await new OpenStackApi(late).NetworksAsync(LabSetUp.ExternalNetwork), Has.Count.EqualTo(1));

        Assert.That(ahead.TokensIssued, Is.EqualTo(2));
        Assert.That(aheadLog.Text, Does.Contain("renewing it").And.Not.Contain("rejected the token"));
        Assert.That(late.TokensIssued, Is.EqualTo(2));
        Assert.That(lateLog.Text, Does.Contain("rejected the token (401)"));
    }

    [Test]
    public async Task Lists_follow_the_next_links_page_by_page()
    {
        // The test makes its own resources, more than two pages of two each, so pagination is always exercised.
        const int count = 5;
        var prefix = "pages-" + Guid.NewGuid().ToString("N")[..8];
        var networkIds = new List<string>();
        var keypairs = new List<string>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                var network = await Admin.SendAsync(ServiceTypes.Network, HttpMethod.Post, "v2.0/networks", $$$"""{"network": {"name": "{{{prefix}}}-{{{i}}}"}}""");
                networkIds.Add(network!.Value.GetProperty("network").GetProperty("id").GetString()!);
                // Below microversion 2.92 Nova generates the key when none is given.
                await Admin.SendAsync(ServiceTypes.Compute, HttpMethod.Post, "os-keypairs", $$$"""{"keypair": {"name": "{{{prefix}}}-{{{i}}}"}}""");
                keypairs.Add($"{prefix}-{i}");
            }
            var log = new RecordingLog();
            using var paged = await OpenStackSession.ConnectAsync(LabCloud.AdminCredentials(LabSetUp.Lab), log, new OpenStackSessionOptions { PageSize = 2 });
            var pagedApi = new OpenStackApi(paged);
            var all = await Admin.Api.NetworksAsync();
            var allKeypairs = await Admin.Api.KeypairsAsync();
            var flavorsAll = await Admin.Api.FlavorsAsync();

            var networks = await pagedApi.NetworksAsync();
            var pagedKeypairs = await pagedApi.KeypairsAsync();
            var flavors = await pagedApi.FlavorsAsync();

            Assert.That(all.Select(n => n.Id), Is.SupersetOf(networkIds));
            Assert.That(networks.Select(n => n.Id), Is.EquivalentTo(all.Select(n => n.Id)));
            Assert.That(allKeypairs.Select(k => k.Name), Is.SupersetOf(keypairs));
            Assert.That(pagedKeypairs.Select(k => k.Name), Is.EquivalentTo(allKeypairs.Select(k => k.Name)));
            Assert.That(flavorsAll, Has.Count.GreaterThan(2), "the lab set-up seeds three flavors");
            Assert.That(flavors.Select(f => f.Id), Is.EquivalentTo(flavorsAll.Select(f => f.Id)));
            int Calls(string what) => log.Lines.Count(l => l.Contains(what, StringComparison.Ordinal));
            Assert.That(Calls("GET network /v2.0/networks "), Is.GreaterThanOrEqualTo((all.Count + 1) / 2), "one call per page of 2");
            Assert.That(Calls("GET compute /v2.1/os-keypairs "), Is.GreaterThanOrEqualTo((allKeypairs.Count + 1) / 2), "Nova pages key pairs since 2.35");
            Assert.That(Calls("GET compute /v2.1/flavors/detail "), Is.GreaterThanOrEqualTo((flavorsAll.Count + 1) / 2));
        }
        finally
        {
            foreach (var id in networkIds) await Admin.SendAsync(ServiceTypes.Network, HttpMethod.Delete, $"v2.0/networks/{id}");
            foreach (var name in keypairs) await Admin.SendAsync(ServiceTypes.Compute, HttpMethod.Delete, $"os-keypairs/{name}");
        }
    }

    [Test]
    public async Task Nova_calls_carry_the_microversion_and_a_missing_resource_is_a_typed_404()
    {
        var api = Admin.Api;
        Assert.That(await api.KeypairAsync("no-such-keypair"), Is.Null);
        var error = Assert.ThrowsAsync<OpenStackApiException>(() => Admin.Session.GetAsync(ServiceTypes.Compute, "servers/00000000-0000-0000-0000-000000000000"))!;
        Assert.That(error.Status, Is.EqualTo(HttpStatusCode.NotFound));
        // 2.79 answers with the server's "description" etc.; a too-new microversion is refused, proving the header is sent.
        using var tooNew = await OpenStackSession.ConnectAsync(LabCloud.AdminCredentials(LabSetUp.Lab), new RecordingLog(),
            new OpenStackSessionOptions { ComputeMicroversion = "2.999" });
        var refused = Assert.ThrowsAsync<OpenStackApiException>(() => tooNew.GetAsync(ServiceTypes.Compute, "servers/detail"))!;
        Assert.That(refused.Status, Is.EqualTo(HttpStatusCode.NotAcceptable));
    }
}
