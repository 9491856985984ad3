using NUnit.Framework;
using Org.BouncyCastle.Pqc.Crypto.NtruPrime;
using Org.BouncyCastle.Security;
using Ssh.Transport.Algorithms.Kex;

namespace Ssh.Tests.Transport.KeyExchange;

/// <summary>Our sntrup761 encapsulation against BouncyCastle's key generation and decapsulation: BouncyCastle recovers
/// the same session key from our ciphertext (it would return an unrelated one, by implicit rejection, were anything off).</summary>
public sealed class Sntrup761EncapsulationTests
{
    [Test]
    public void BouncyCastle_DecapsulatesOurCiphertexts()
    {
        var generator = new SNtruPrimeKeyPairGenerator();
        generator.Init(new SNtruPrimeKeyGenerationParameters(new SecureRandom(), SNtruPrimeParameters.sntrup761));
        for (int i = 0; i < 5; i++)
        {
            var pair = generator.GenerateKeyPair();
            byte[] publicKey = ((SNtruPrimePublicKeyParameters)pair.Public).GetEncoded();
            for (int j = 0; j < 4; j++)
            {
                byte[] ciphertext = new byte[Sntrup761Encapsulation.CiphertextBytes];
                byte[] key = new byte[Sntrup761Encapsulation.SessionKeyBytes];
                Sntrup761Encapsulation.Encapsulate(publicKey, ciphertext, key);
                byte[] recovered = new SNtruPrimeKemExtractor((SNtruPrimePrivateKeyParameters)pair.Private).ExtractSecret(ciphertext);
                Assert.That(recovered, Is.EqualTo(key), $"key pair {i}, encapsulation {j}");
            }
        }
    }

    [Test]
    public void EveryEncapsulationIsFresh()
    {
        var generator = new SNtruPrimeKeyPairGenerator();
        generator.Init(new SNtruPrimeKeyGenerationParameters(new SecureRandom(), SNtruPrimeParameters.sntrup761));
        byte[] publicKey = ((SNtruPrimePublicKeyParameters)generator.GenerateKeyPair().Public).GetEncoded();
        byte[] c1 = new byte[1039], c2 = new byte[1039], k1 = new byte[32], k2 = new byte[32];
        Sntrup761Encapsulation.Encapsulate(publicKey, c1, k1);
        Sntrup761Encapsulation.Encapsulate(publicKey, c2, k2);
        Assert.That(c1, Is.Not.EqualTo(c2));
        Assert.That(k1, Is.Not.EqualTo(k2));
    }
}
