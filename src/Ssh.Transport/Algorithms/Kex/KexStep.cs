namespace Ssh.Transport.Algorithms.Kex;

/// <summary>What a key exchange method asks of the session after one step: send <paramref name="Message"/> (a
/// whole payload, number first) if there is one, then, once <paramref name="Result"/> is there, finish the
/// exchange with it (NEWKEYS, RFC 4253 §7.3).</summary>
internal readonly record struct KexStep(byte[]? Message, KexResult? Result)
{
    /// <summary>Nothing to send yet: the method waits for the peer.</summary>
    public static KexStep None => default;

    public static KexStep Send(byte[] message) => new(message, null);

    public static KexStep Done(KexResult result) => new(null, result);
}
