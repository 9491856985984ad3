// paramiko's demos/forward.py (ssh -L): listen on a local port and carry each connection to REMOTE_HOST:REMOTE_PORT
// through the SSH server, which makes the outgoing connection.
//     transport = client.get_transport()
//     (a SocketServer whose handler does) chan = transport.open_channel("direct-tcpip", (remote_host, remote_port), peer)
//
// Here the library's forwarder runs the listener and one direct-tcpip channel per connection. It stops when standard
// input closes (Ctrl-D) or on Ctrl-C.
using System.Net;
using Ssh.Channels.Forwarding;
using Ssh.Client;

if (args.Length != 6)
{
    Console.Error.WriteLine("usage: PortForward HOST PORT USER LOCAL_PORT REMOTE_HOST REMOTE_PORT   (password in SSH_PASSWORD; LOCAL_PORT 0 picks one)");
    return 2;
}

using var client = new SshClient();
client.LoadSystemHostKeys(Environment.GetEnvironmentVariable("SSH_KNOWN_HOSTS"));
client.Connect(args[0], int.Parse(args[1]), args[2], Environment.GetEnvironmentVariable("SSH_PASSWORD"));

await using LocalPortForwarder forward = await client.GetTransport()!.ForwardLocalPortAsync(
    new IPEndPoint(IPAddress.Loopback, int.Parse(args[3])), args[4], int.Parse(args[5]));
Console.WriteLine($"forwarding {forward.LocalEndPoint} -> {forward.RemoteHost}:{forward.RemotePort}");

var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.TrySetResult(); };
_ = Task.Run(() => { while (Console.In.ReadLine() is not null) { } stop.TrySetResult(); });
await stop.Task;
return 0;
