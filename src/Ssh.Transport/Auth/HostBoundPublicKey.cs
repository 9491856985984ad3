namespace Ssh.Transport.Auth;

/// <summary>OpenSSH's host-bound public key authentication (PROTOCOL §2.5, OpenSSH 8.9+): the "publickey" method
/// with the server's host key added to the request, so the signature is bound to the server it was made for (what
/// ssh-agent's destination constraints rely on).
/// <code>
/// byte SSH_MSG_USERAUTH_REQUEST ‖ string user ‖ string service ‖ string "publickey-hostbound-v00@openssh.com"
/// ‖ boolean has-signature ‖ string algorithm ‖ string key blob ‖ string server host key ‖ [string signature]
/// </code>
/// The server announces it with the EXT_INFO extension <see cref="Extension"/> = "0".</summary>
internal static class HostBoundPublicKey
{
    public const string Extension = "publickey-hostbound@openssh.com";
    public const string Method = "publickey-hostbound-v00@openssh.com";
}
