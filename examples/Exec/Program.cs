// paramiko:
//     client = paramiko.SSHClient()
//     client.load_system_host_keys()
//     client.connect(host, port, user, password)
//     stdin, stdout, stderr = client.exec_command(command)
//     print(stdout.read().decode(), end="")
//     sys.exit(stdout.channel.recv_exit_status())
using Ssh.Client;

if (args.Length < 4)
{
    Console.Error.WriteLine("usage: Exec HOST PORT USER COMMAND...   (password in SSH_PASSWORD, known_hosts in SSH_KNOWN_HOSTS)");
    return 2;
}

using var client = new SshClient();
client.LoadSystemHostKeys(Environment.GetEnvironmentVariable("SSH_KNOWN_HOSTS"));   // unknown hosts are refused
client.Connect(args[0], int.Parse(args[1]), args[2], Environment.GetEnvironmentVariable("SSH_PASSWORD"));

var (_, stdout, stderr) = client.ExecCommand(string.Join(' ', args[3..]));
Console.Write(stdout.ReadToEnd());
Console.Error.Write(stderr.ReadToEnd());
return stdout.Channel.RecvExitStatus();
