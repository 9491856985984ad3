// paramiko's demos/demo_server.py: an SSH server of your own, with your own ServerInterface deciding who logs in and
// what a command does. Here: user "demo", password "demo"; every exec request is answered by the program itself,
// with no process started; the host key is generated at start (save one with ssh-keygen and load it with
// SshPrivateKey.FromFile for a stable fingerprint).
//     class Server(paramiko.ServerInterface):
//         def check_auth_password(self, username, password): ...
//         def check_channel_request(self, kind, chanid): ...
//         def check_channel_exec_request(self, channel, command): ...
//     t = paramiko.Transport(sock); t.add_server_key(host_key); t.start_server(server=Server())
using System.Net;
using System.Text;
using Ssh.Channels;
using Ssh.Server;
using Ssh.Transport;
using Ssh.Transport.Auth;
using Ssh.Transport.Keys;

int port = args.Length > 0 ? int.Parse(args[0]) : 2200;
var options = new SshServerOptions { Endpoint = new IPEndPoint(IPAddress.Loopback, port) };
options.HostKeys.Add(Ed25519PrivateKey.Generate());

await using var server = new SshServer(options, () => new DemoServer());
server.Start();
Console.WriteLine($"listening on {server.LocalEndPoint}, host key {options.HostKeys[0].PublicKey.GetFingerprint()}");
Console.Out.Flush();

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
_ = Task.Run(() => { while (Console.In.ReadLine() is not null) { } stop.TrySetResult(); });
await stop.Task;
return 0;

/// <summary>Deny by default, as paramiko's ServerInterface: only what is overridden here is allowed.</summary>
sealed class DemoServer : ServerInterface
{
    public override AuthenticationResult CheckAuthPassword(string username, string password) =>
        username == "demo" && password == "demo" ? AuthenticationResult.Successful : AuthenticationResult.Failed;

    public override ChannelOpenFailureReason? CheckChannelRequest(string kind, uint channelId) =>
        kind == "session" ? null : ChannelOpenFailureReason.AdministrativelyProhibited;

    public override bool CheckChannelExecRequest(Channel channel, string command)
    {
        // Answered after the request is accepted: the reply goes out first, then the output and the exit status.
        _ = Task.Run(async () =>
        {
            await channel.SendAllAsync(Encoding.UTF8.GetBytes($"demo server ran: {command}\n"));
            await channel.SendExitStatusAsync(0);
            await channel.CloseAsync();
        });
        return true;
    }
}
