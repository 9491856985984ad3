using NUnit.Framework;
using Ssh.Client;
using Ssh.InteropTests.Infrastructure;
using Ssh.Transport;
using Ssh.Transport.Auth;

namespace Ssh.InteropTests.Client;

/// <summary>Keyboard-interactive (RFC 4256) against sshd with PAM and no "password" method: the setup of many
/// distributions, where paramiko's password fallback is what makes <c>Connect(password: ...)</c> work.</summary>
[TestFixture]
public sealed class ClientKeyboardInteractiveTests
{
    private const int TimeoutMs = 60_000;
    private static readonly string[] PamOnly = ["KbdInteractiveAuthentication yes", "PasswordAuthentication no", "UsePAM yes"];

    [Test, CancelAfter(TimeoutMs)]
    public async Task Connect_with_a_password_falls_back_to_keyboard_interactive(CancellationToken cancellationToken)
    {
        await using ServerTarget target = await ServerTarget.StartAsync(PamOnly, cancellationToken: cancellationToken);
        await using SshClient client = await ClientTestSupport.ConnectAsync(target, usePassword: true, cancellationToken: cancellationToken);
        Assert.That(client.GetTransport()!.AuthenticationMethod, Is.EqualTo("keyboard-interactive"));
        var result = await ClientTestSupport.ExecAsync(client, "id -un", cancellationToken: cancellationToken);
        Assert.That(result.StdoutText.Trim(), Is.EqualTo(target.UserName));
    }

    [Test, CancelAfter(TimeoutMs)]
    public async Task The_handler_sees_the_prompt_and_a_wrong_answer_is_refused(CancellationToken cancellationToken)
    {
        await using ServerTarget target = await ServerTarget.StartAsync(PamOnly, cancellationToken: cancellationToken);
        var transport = await Ssh.Channels.SshTransport.ConnectAsync(target.Host, target.Port, cancellationToken: cancellationToken);
        await using (transport)
        {
            await transport.StartClientAsync(cancellationToken: cancellationToken);
            var prompts = new List<InteractivePrompt>();
            var error = Assert.ThrowsAsync<AuthenticationException>(() => transport.AuthInteractiveAsync(target.UserName, query =>
            {
                prompts.AddRange(query.Prompts);
                return query.Prompts.Select(_ => "wrong password").ToArray();
            }, cancellationToken: cancellationToken));
            Assert.That(prompts, Is.Not.Empty);
            Assert.That(prompts[0].Text, Does.Contain("assword"));
            Assert.That(prompts[0].Echo, Is.False);
            Assert.That(error!.AllowedMethods, Does.Contain("keyboard-interactive"));
        }
    }
}
