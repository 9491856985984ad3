using System.Numerics;
using System.Runtime.InteropServices;

namespace Ssh.Transport.Algorithms.Kex;

/// <summary>
/// base^exponent mod modulus for finite-field Diffie-Hellman. Uses the platform's OpenSSL (libcrypto, which .NET
/// itself loads on Linux) through <c>BN_mod_exp_mont_consttime</c>: constant-time in the secret exponent, about ten
/// times faster than <see cref="BigInteger.ModPow"/> for 8192-bit groups, and its numbers are wiped with
/// <c>BN_clear_free</c>. Where libcrypto cannot be loaded it falls back to <see cref="BigInteger.ModPow"/>.
/// </summary>
internal static unsafe class ModularExponent
{
    private static readonly Native? Crypto = Native.TryLoad();

    /// <summary>True when OpenSSL does the arithmetic (false: the managed fallback).</summary>
    public static bool UsesOpenSsl => Crypto is not null;

    /// <summary>Computes the result as unsigned big-endian bytes of the modulus's length.</summary>
    public static byte[] Compute(ReadOnlySpan<byte> value, ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus)
    {
        var result = new byte[modulus.Length];
        if (Crypto is { } native)
        {
            native.ModExp(value, exponent, modulus, result);
            return result;
        }
        BigInteger r = BigInteger.ModPow(new BigInteger(value, true, true), new BigInteger(exponent, true, true), new BigInteger(modulus, true, true));
        r.TryWriteBytes(result.AsSpan(modulus.Length - r.GetByteCount(isUnsigned: true)), out _, isUnsigned: true, isBigEndian: true);
        return result;
    }

    private sealed class Native
    {
        private readonly delegate* unmanaged<IntPtr> _ctxNew;
        private readonly delegate* unmanaged<IntPtr, void> _ctxFree;
        private readonly delegate* unmanaged<byte*, int, IntPtr, IntPtr> _bin2bn;
        private readonly delegate* unmanaged<IntPtr, byte*, int, int> _bn2binpad;
        private readonly delegate* unmanaged<IntPtr> _bnNew;
        private readonly delegate* unmanaged<IntPtr, void> _clearFree;
        private readonly delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int> _modExp;

        private Native()
        {
            _ctxNew = (delegate* unmanaged<IntPtr>)Export("BN_CTX_new");
            _ctxFree = (delegate* unmanaged<IntPtr, void>)Export("BN_CTX_free");
            _bin2bn = (delegate* unmanaged<byte*, int, IntPtr, IntPtr>)Export("BN_bin2bn");
            _bn2binpad = (delegate* unmanaged<IntPtr, byte*, int, int>)Export("BN_bn2binpad");
            _bnNew = (delegate* unmanaged<IntPtr>)Export("BN_new");
            _clearFree = (delegate* unmanaged<IntPtr, void>)Export("BN_clear_free");
            _modExp = (delegate* unmanaged<IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, IntPtr, int>)Export("BN_mod_exp_mont_consttime");
        }

        private static IntPtr Export(string name) =>
            Platform.LibCrypto.Export(name) is not 0 and var address ? address : throw new EntryPointNotFoundException(name);

        /// <summary>OpenSSL's functions, or null where libcrypto (or one of them) is missing: the managed fallback serves.</summary>
        public static Native? TryLoad()
        {
            try
            {
                return Platform.LibCrypto.Handle == 0 ? null : new Native();
            }
            catch (EntryPointNotFoundException)
            {
                return null;
            }
        }

        public void ModExp(ReadOnlySpan<byte> value, ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus, Span<byte> result)
        {
            IntPtr ctx = _ctxNew(), a = 0, p = 0, m = 0, r = 0;
            try
            {
                fixed (byte* pv = value, pe = exponent, pm = modulus, pr = result)
                {
                    a = _bin2bn(pv, value.Length, 0);
                    p = _bin2bn(pe, exponent.Length, 0);
                    m = _bin2bn(pm, modulus.Length, 0);
                    r = _bnNew();
                    if (ctx == 0 || a == 0 || p == 0 || m == 0 || r == 0 || _modExp(r, a, p, m, ctx, 0) != 1
                        || _bn2binpad(r, pr, result.Length) != result.Length)
                        throw new System.Security.Cryptography.CryptographicException("OpenSSL's BN_mod_exp_mont_consttime failed.");
                }
            }
            finally
            {
                if (a != 0) _clearFree(a);
                if (p != 0) _clearFree(p);
                if (m != 0) _clearFree(m);
                if (r != 0) _clearFree(r);
                if (ctx != 0) _ctxFree(ctx);
            }
        }
    }
}
