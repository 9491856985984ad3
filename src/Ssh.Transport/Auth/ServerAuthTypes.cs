namespace Ssh.Transport.Auth;

/// <summary>paramiko's AUTH_SUCCESSFUL / AUTH_PARTIALLY_SUCCESSFUL / AUTH_FAILED.</summary>
public enum AuthenticationResult
{
    /// <summary>Refused: the client gets USERAUTH_FAILURE and may try again (within the server's limit).</summary>
    Failed,

    /// <summary>This method is accepted but more are needed: USERAUTH_FAILURE with partial success set
    /// (RFC 4252 §5.1), listing the methods that can continue.</summary>
    PartiallySuccessful,

    /// <summary>Authenticated: USERAUTH_SUCCESS, and the connection protocol starts.</summary>
    Successful,
}

/// <summary>One keyboard-interactive prompt (RFC 4256 §3.2): the text to show and whether the user's answer may be
/// echoed as it is typed (false for a password).</summary>
public sealed record InteractivePrompt(string Text, bool Echo);

/// <summary>paramiko's InteractiveQuery: what a keyboard-interactive round asks the user.</summary>
public sealed record InteractiveQuery(string Name, string Instructions, IReadOnlyList<InteractivePrompt> Prompts)
{
    /// <summary>A query whose prompts all hide the answer (echo off), like a password prompt.</summary>
    public InteractiveQuery(string name, string instructions, params string[] prompts)
        : this(name, instructions, prompts.Select(p => new InteractivePrompt(p, false)).ToArray()) { }
}

/// <summary>What the server's authentication layer asks of the application (the server front-end adapts
/// paramiko's ServerInterface to this). Every method may be called for any user name the client sends.</summary>
public interface IServerAuthenticator
{
    /// <summary>The method names to list in USERAUTH_FAILURE for <paramref name="username"/>, e.g. <c>publickey</c>
    /// and <c>password</c> (RFC 4252 §5.1).</summary>
    IReadOnlyList<string> GetAllowedAuths(string username);

    /// <summary>The <c>none</c> method (RFC 4252 §5.2): whether <paramref name="username"/> may log in with no
    /// credentials at all. Clients send it first to learn the allowed methods; almost every server fails it.</summary>
    ValueTask<AuthenticationResult> CheckNoneAsync(string username, CancellationToken cancellationToken);

    /// <summary>The <c>password</c> method (RFC 4252 §8). A password change request is refused before this is called.</summary>
    ValueTask<AuthenticationResult> CheckPasswordAsync(string username, string password, CancellationToken cancellationToken);

    /// <summary>The <c>publickey</c> method (RFC 4252 §7): whether <paramref name="key"/> may log in as
    /// <paramref name="username"/>. Called for the client's query (no signature yet; anything but Successful refuses
    /// the key) and again once the library has verified the signature, which decides.</summary>
    ValueTask<AuthenticationResult> CheckPublicKeyAsync(string username, Keys.SshPublicKey key, CancellationToken cancellationToken);

    /// <summary>Starts keyboard-interactive (RFC 4256 §3.1); <paramref name="submethods"/> is the client's hint
    /// (often empty). Returns the first query to send, or null to refuse the method.</summary>
    ValueTask<InteractiveQuery?> StartInteractiveAsync(string username, string submethods, CancellationToken cancellationToken);

    /// <summary>Takes the answers to the last query, one per prompt in order; returns a result (with a null
    /// <c>Next</c>), or another query to ask. After 8 rounds the attempt fails.</summary>
    ValueTask<(AuthenticationResult Result, InteractiveQuery? Next)> CheckInteractiveResponseAsync(string username,
        IReadOnlyList<string> responses, CancellationToken cancellationToken);

    /// <summary>A banner to show before authentication (RFC 4252 §5.4), or null.</summary>
    string? GetBanner();

    /// <summary>Called once a request has succeeded, before USERAUTH_SUCCESS goes out and before any message of the
    /// connection protocol is handled: the place to settle what the user may do (the permissions of
    /// <paramref name="key"/>), so no channel request can race it. <paramref name="method"/> is <c>publickey</c>
    /// (the host-bound variant included), <c>password</c>, ...; <paramref name="key"/> the key or certificate that
    /// signed, for publickey.</summary>
    void OnAuthenticated(string username, string method, Keys.SshPublicKey? key) { }
}
