// paramiko:
//     client.exec_command("nohup myservice > /tmp/myservice.log 2>&1 & echo $!")
//
// The call returns as soon as the remote shell exits, because the service lets go of the session's stdout and stderr
// (the redirection). Without it the service would inherit the channel, and the server (OpenSSH's and ours) keeps a
// channel open while anything holds it: the call would wait for the service to end. The service keeps running after
// we disconnect.
using Ssh.Client;

if (args.Length < 4)
{
    Console.Error.WriteLine("usage: NohupService HOST PORT USER COMMAND...   (password in SSH_PASSWORD)");
    return 2;
}
string command = string.Join(' ', args[3..]);
string log = "/tmp/nohup-service-" + Environment.ProcessId + ".log";

using var client = new SshClient();
client.LoadSystemHostKeys(Environment.GetEnvironmentVariable("SSH_KNOWN_HOSTS"));
client.Connect(args[0], int.Parse(args[1]), args[2], Environment.GetEnvironmentVariable("SSH_PASSWORD"));

var (_, stdout, stderr) = client.ExecCommand($"nohup {command} > {log} 2>&1 < /dev/null & echo $!");
string pid = stdout.ReadToEnd().Trim();
int status = stdout.Channel.RecvExitStatus();
if (status != 0)
{
    Console.Error.Write(stderr.ReadToEnd());
    return status;
}
Console.WriteLine($"started: pid {pid}, log {log}");
return 0;
