namespace Ssh.Transport.Auth;

/// <summary>The outcome of one authentication request (RFC 4252 §5.1).</summary>
public sealed record AuthResult(bool Success, IReadOnlyList<string> AllowedMethods, bool PartialSuccess)
{
    public static readonly AuthResult Succeeded = new(true, [], false);
}
