using System.Net;
using Ssh.Channels;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.Messages;
using Ssh.Transport.Session;
using Ssh.Transport.Wire;

namespace Ssh.Server;

/// <summary>Settings of the server side of one connection.</summary>
public sealed class ServerConnectionOptions
{
    /// <summary>How long a client may take to authenticate (OpenSSH's LoginGraceTime).</summary>
    public TimeSpan LoginGraceTime { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Failed authentication attempts allowed per connection (OpenSSH's MaxAuthTries).</summary>
    public int MaxAuthTries { get; set; } = 6;
}

/// <summary>paramiko's <c>Transport.start_server</c>: runs the server side of a transport against a
/// <see cref="ServerInterface"/>.</summary>
public static class TransportServerExtensions
{
    /// <summary>Negotiates keys with the host keys added through <see cref="SshTransport.AddServerKey"/>, then
    /// authenticates the client through <paramref name="server"/>. Completes once a user has authenticated; from
    /// then on channels the server allows arrive through <see cref="SshTransport.AcceptAsync"/> (and the
    /// <see cref="ServerInterface"/> callbacks). Returns the user name.</summary>
    public static async Task<string> StartServerAsync(this SshTransport transport, ServerInterface server,
        ServerConnectionOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new ServerConnectionOptions();
        if (transport.GetServerKeys().Count == 0)
            throw new InvalidOperationException("Add at least one host key with AddServerKey before StartServer.");
        SshSession session = transport.CreateSession(SessionRole.Server);
        var dispatcher = new ServerChannelDispatcher(transport, server);
        dispatcher.Install();

        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(options.LoginGraceTime);
        try
        {
            await session.StartAsync(grace.Token).ConfigureAwait(false);
            var auth = new UserAuthServer(session, new ServerAuthenticatorAdapter(server), options.MaxAuthTries);
            string user = await auth.RunAsync(grace.Token).ConfigureAwait(false);
            transport.Username = user;
            transport.AuthenticationMethod = auth.SucceededMethod;
            server.OnAuthenticated(user, auth.SucceededMethod ?? "");
            return user;
        }
        catch (OperationCanceledException) when (grace.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            var error = new SshProtocolException(DisconnectReason.ByApplication,
                $"Authentication did not complete within the login grace time ({options.LoginGraceTime.TotalSeconds:0} s).");
            await session.FailAsync(error).ConfigureAwait(false);
            throw error;
        }
        catch (SshException e)
        {
            await session.FailAsync(e).ConfigureAwait(false);
            throw;
        }
    }

    public static string StartServer(this SshTransport transport, ServerInterface server, ServerConnectionOptions? options = null) =>
        transport.StartServerAsync(server, options).GetAwaiter().GetResult();
}
