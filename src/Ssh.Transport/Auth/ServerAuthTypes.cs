namespace Ssh.Transport.Auth;

/// <summary>paramiko's AUTH_SUCCESSFUL / AUTH_PARTIALLY_SUCCESSFUL / AUTH_FAILED.</summary>
public enum AuthenticationResult
{
    Failed,
    PartiallySuccessful,
    Successful,
}

/// <summary>One keyboard-interactive prompt (RFC 4256 §3.2).</summary>
public sealed record InteractivePrompt(string Text, bool Echo);

/// <summary>paramiko's InteractiveQuery: what a keyboard-interactive round asks the user.</summary>
public sealed record InteractiveQuery(string Name, string Instructions, IReadOnlyList<InteractivePrompt> Prompts)
{
    public InteractiveQuery(string name, string instructions, params string[] prompts)
        : this(name, instructions, prompts.Select(p => new InteractivePrompt(p, false)).ToArray()) { }
}

/// <summary>What the server's authentication layer asks of the application (the server front-end adapts
/// paramiko's ServerInterface to this). Every method may be called for any user name the client sends.</summary>
public interface IServerAuthenticator
{
    /// <summary>The methods to list in USERAUTH_FAILURE for <paramref name="username"/>, e.g. "password,publickey".</summary>
    IReadOnlyList<string> GetAllowedAuths(string username);

    ValueTask<AuthenticationResult> CheckNoneAsync(string username, CancellationToken cancellationToken);

    ValueTask<AuthenticationResult> CheckPasswordAsync(string username, string password, CancellationToken cancellationToken);

    /// <summary>Called for the query (no signature yet) and again once the signature has been verified.</summary>
    ValueTask<AuthenticationResult> CheckPublicKeyAsync(string username, Keys.SshPublicKey key, CancellationToken cancellationToken);

    /// <summary>Starts keyboard-interactive; null refuses it.</summary>
    ValueTask<InteractiveQuery?> StartInteractiveAsync(string username, string submethods, CancellationToken cancellationToken);

    /// <summary>Takes the answers; returns a result, or another query to ask.</summary>
    ValueTask<(AuthenticationResult Result, InteractiveQuery? Next)> CheckInteractiveResponseAsync(string username,
        IReadOnlyList<string> responses, CancellationToken cancellationToken);

    /// <summary>A banner to show before authentication (RFC 4252 §5.4), or null.</summary>
    string? GetBanner();
}
