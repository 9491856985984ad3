namespace Ssh.Transport.Auth;

/// <summary>The outcome of one authentication request on the client (RFC 4252 §5.1).</summary>
internal sealed record AuthResult(bool Success, IReadOnlyList<string> AllowedMethods, bool PartialSuccess)
{
    public static readonly AuthResult Succeeded = new(true, [], false);

    /// <summary>Raises the exception a refusal means: <see cref="PartialAuthenticationException"/> when the server
    /// accepted this but wants more, <see cref="AuthenticationException"/> otherwise; both list what it allows.</summary>
    public void ThrowIfRefused(string username, string what)
    {
        if (Success) return;
        string allowed = string.Join(", ", AllowedMethods);
        if (PartialSuccess)
            throw new PartialAuthenticationException($"{what} was accepted for {username}, but the server requires more: {allowed}.", AllowedMethods);
        throw new AuthenticationException($"{what} authentication failed for {username}. The server allows: {allowed}.", AllowedMethods);
    }
}
