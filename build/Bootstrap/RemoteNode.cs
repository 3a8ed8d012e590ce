using System.Net.Sockets;
using System.Text;
using Platform.Build.Logging;
using Polly;
using Polly.Retry;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace Platform.Build.Bootstrap;

/// <summary>How the suite logs in, and how long it waits. Defaults suit a real cloud; the lab shortens them.</summary>
public sealed record SshOptions
{
    public required string User { get; init; }
    public required string PrivateKeyPath { get; init; }
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(20);
    /// <summary>Connection attempts (first try included) before a node counts as unreachable.</summary>
    public int ConnectAttempts { get; init; } = 6;
    /// <summary>First retry delay; it doubles each attempt (with jitter).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(2);
    public TimeSpan CommandTimeout { get; init; } = TimeSpan.FromMinutes(2);
}

/// <summary>Where one node's sshd is reached and which keys it must present; workers go through <see cref="Jump"/>.</summary>
public sealed record SshAddress(string Node, string Host, int Port, HostKeyPolicy Policy, SshAddress? Jump = null)
{
    public string Display => Jump is null ? $"{Host}:{Port}" : $"{Host}:{Port} via {Jump.Host}:{Jump.Port}";
}

public sealed record RemoteResult(int ExitCode, string Output, string Error);

/// <summary>The node could not be reached within the retries; carries which node and the last cause.</summary>
public sealed class NodeUnreachableException(string node, string address, int attempts, Exception cause)
    : Exception($"{node} ({address}) is unreachable over SSH after {attempts} attempt(s): {cause.Message}", cause)
{
    public string Node { get; } = node;
}

/// <summary>A remote command exited with a failure code; message carries the command name and the output tail.</summary>
public sealed class RemoteCommandException(string node, string what, int exitCode, string tail)
    : Exception(Redaction.Apply($"{what} failed on {node} (exit code {exitCode})" + (tail.Length > 0 ? $":\n{tail}" : ".")))
{
    public string Node { get; } = node;
    public int ExitCode { get; } = exitCode;
}

/// <summary>
/// One SSH session to a node with SSH.NET: pinned host keys (checked for the jump host too), workers reached through
/// a forwarded channel on the entry host (what OpenSSH's ProxyJump does), connection retries with exponential backoff,
/// and a timeout on every command. Reconnects transparently when the transport drops between commands.
/// </summary>
public sealed class RemoteNode : IDisposable
{
    private readonly SshAddress _address;
    private readonly SshOptions _options;
    private readonly ILog _log;
    private readonly ResiliencePipeline _connectRetry;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private SshClient? _jump;
    private ForwardedPortLocal? _forward;
    private SshClient? _client;

    public RemoteNode(SshAddress address, SshOptions options, ILog log)
    {
        _address = address;
        _options = options;
        _log = log;
        _connectRetry = new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = Math.Max(0, options.ConnectAttempts - 1),
                Delay = options.RetryDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                OnRetry = args =>
                {
                    _log.Warn($"{_address.Node}: SSH to {_address.Display} failed ({args.Outcome.Exception?.Message}); " +
                              $"retry {args.AttemptNumber + 1}/{_options.ConnectAttempts - 1} in {args.RetryDelay.TotalSeconds:0.#}s.");
                    return default;
                },
            })
            .Build();
    }

    public string Name => _address.Node;

    /// <summary>Connects (verifying host keys) unless already connected.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try { await EnsureConnectedAsync(cancellationToken); }
        finally { _gate.Release(); }
    }

    /// <summary>
    /// Runs one command. Every command the suite sends is idempotent (guarded by a marker), so a transport failure
    /// before or during it reconnects and runs it again. A timeout is not retried: the command may still be running.
    /// </summary>
    public async Task<RemoteResult> RunAsync(string command, string? standardInput = null, TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            for (var attempt = 1; ; attempt++)
            {
                await EnsureConnectedAsync(cancellationToken);
                try { return await ExecuteAsync(_client!, command, standardInput, timeout ?? _options.CommandTimeout, cancellationToken); }
                catch (Exception e) when (IsTransient(e) && attempt < 2)
                {
                    _log.Warn($"{Name}: the SSH connection dropped ({e.Message}); reconnecting.");
                    Close();
                }
                catch (Exception e) when (IsTransient(e))
                {
                    Close();
                    throw new NodeUnreachableException(Name, _address.Display, attempt, e);
                }
            }
        }
        finally { _gate.Release(); }
    }

    private async Task<RemoteResult> ExecuteAsync(SshClient client, string command, string? input, TimeSpan timeout, CancellationToken ct)
    {
        using var cmd = client.CreateCommand(command);
        cmd.CommandTimeout = timeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        var execution = cmd.ExecuteAsync(deadline.Token);
        using (var stdin = cmd.CreateInputStream())
            if (input is not null)
                await stdin.WriteAsync(Encoding.UTF8.GetBytes(input), ct);
        try { await execution; }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"{Name}: the command did not finish within {timeout.TotalSeconds:0}s.");
        }
        catch (SshOperationTimeoutException)
        {
            throw new TimeoutException($"{Name}: the command did not finish within {timeout.TotalSeconds:0}s.");
        }
        // No exit status and a dead transport: the node went away mid-command, not a command failure.
        if (cmd.ExitStatus is null && cmd.ExitSignal is null && !client.IsConnected)
            throw new SshConnectionException($"{Name}: the connection closed before the command reported its exit status.");
        return new RemoteResult(cmd.ExitStatus ?? -1, cmd.Result, cmd.Error);
    }

    private async Task EnsureConnectedAsync(CancellationToken ct)
    {
        if (_client is { IsConnected: true } && (_jump is null || _jump.IsConnected)) return;
        var attempts = 0;
        try
        {
            await _connectRetry.ExecuteAsync(async token =>
            {
                attempts++;
                await ConnectOnceAsync(token);
            }, ct);
        }
        catch (Exception e) when (IsTransient(e))
        {
            Close();
            throw new NodeUnreachableException(Name, _address.Display, attempts, e);
        }
    }

    private async Task ConnectOnceAsync(CancellationToken ct)
    {
        Close();
        var (host, port) = (_address.Host, _address.Port);
        if (_address.Jump is { } jump)
        {
            _jump = await OpenAsync(jump, jump.Host, jump.Port, ct);
            // A local forward through the entry host: a direct-tcpip channel per connection, as ProxyJump uses.
            _forward = new ForwardedPortLocal(System.Net.IPAddress.Loopback.ToString(), 0, _address.Host, (uint)_address.Port);
            _jump.AddForwardedPort(_forward);
            _forward.Start();
            (host, port) = (System.Net.IPAddress.Loopback.ToString(), (int)_forward.BoundPort);
        }
        _client = await OpenAsync(_address, host, port, ct);
    }

    private async Task<SshClient> OpenAsync(SshAddress address, string host, int port, CancellationToken ct)
    {
        PrivateKeyFile key;
        try { key = new PrivateKeyFile(_options.PrivateKeyPath); }
        catch (Exception e) when (e is IOException or SshException or UnauthorizedAccessException)
        {
            throw new InvalidOperationException($"Cannot read the SSH private key '{_options.PrivateKeyPath}' (setting ssh.privateKeyPath): {e.Message}");
        }
        var info = new ConnectionInfo(host, port, _options.User, new PrivateKeyAuthenticationMethod(_options.User, key))
        {
            Timeout = _options.ConnectTimeout,
        };
        // Offer only the algorithms of the pinned keys, so the server presents a key we can compare.
        var allowed = address.Policy.Pinned.SelectMany(p => p.Algorithms).ToHashSet(StringComparer.Ordinal);
        foreach (var name in info.HostKeyAlgorithms.Keys.Where(k => !allowed.Contains(k)).ToList())
            if (info.HostKeyAlgorithms.Keys.Count(allowed.Contains) > 0) info.HostKeyAlgorithms.Remove(name);

        var client = new SshClient(info);
        HostKeyMismatchException? mismatch = null;
        client.HostKeyReceived += (_, e) =>
        {
            e.CanTrust = address.Policy.Accepts(e.HostKey);
            if (!e.CanTrust) mismatch = address.Policy.Mismatch(e.HostKey, e.HostKeyName);
        };
        try
        {
            await client.ConnectAsync(ct);
            return client;
        }
        catch (Exception e) when (mismatch is not null)
        {
            client.Dispose();
            _ = e;
            throw mismatch;
        }
        catch (SshAuthenticationException e)
        {
            client.Dispose();
            throw new InvalidOperationException(
                $"{address.Node} ({host}:{port}) refused the key '{_options.PrivateKeyPath}' for user '{_options.User}': {e.Message} " +
                "Fix: set ssh.privateKeyPath to the private key matching openstack.sshPublicKeyPath, and ssh.user to the image's user.");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Transport problems worth a retry. Never a host-key mismatch or a refused key.</summary>
    internal static bool IsTransient(Exception e) => e is SocketException or SshConnectionException or ProxyException
        or SshOperationTimeoutException or IOException or ObjectDisposedException
        || (e is SshException && e is not SshAuthenticationException);

    private void Close()
    {
        try { _client?.Dispose(); } catch (Exception) { /* already broken */ }
        try { _forward?.Dispose(); } catch (Exception) { /* already broken */ }
        try { _jump?.Dispose(); } catch (Exception) { /* already broken */ }
        _client = null;
        _forward = null;
        _jump = null;
    }

    public void Dispose()
    {
        Close();
        _gate.Dispose();
    }
}
