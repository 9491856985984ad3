using Ssh.Transport.Auth;
using Ssh.Transport.Keys;

namespace Ssh.Server;

/// <summary>Presents a <see cref="ServerInterface"/> to the transport's authentication layer.</summary>
internal sealed class ServerAuthenticatorAdapter(ServerInterface server) : IServerAuthenticator
{
    public IReadOnlyList<string> GetAllowedAuths(string username) =>
        server.GetAllowedAuths(username).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public ValueTask<AuthenticationResult> CheckNoneAsync(string username, CancellationToken cancellationToken) =>
        server.CheckAuthNoneAsync(username, cancellationToken);

    public ValueTask<AuthenticationResult> CheckPasswordAsync(string username, string password, CancellationToken cancellationToken) =>
        server.CheckAuthPasswordAsync(username, password, cancellationToken);

    public ValueTask<AuthenticationResult> CheckPublicKeyAsync(string username, SshPublicKey key, CancellationToken cancellationToken) =>
        server.CheckAuthPublicKeyAsync(username, key, cancellationToken);

    public ValueTask<InteractiveQuery?> StartInteractiveAsync(string username, string submethods, CancellationToken cancellationToken) =>
        server.CheckAuthInteractiveAsync(username, submethods, cancellationToken);

    public ValueTask<(AuthenticationResult Result, InteractiveQuery? Next)> CheckInteractiveResponseAsync(string username,
        IReadOnlyList<string> responses, CancellationToken cancellationToken) =>
        server.CheckAuthInteractiveResponseAsync(username, responses, cancellationToken);

    public string? GetBanner() => server.GetBanner();
}
