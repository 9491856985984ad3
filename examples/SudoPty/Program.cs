// paramiko:
//     stdin, stdout, stderr = client.exec_command("sudo -p 'sudo-password: ' " + command, get_pty=True)
//     (read until the prompt) stdin.write(password + "\n"); stdin.flush()
//     print(stdout.read().decode()); sys.exit(stdout.channel.recv_exit_status())
//
// sudo reads the password from a terminal, so the command gets a pseudo-terminal (getPty: true); stdout and stderr
// then arrive merged, with \r\n line ends. The password is sent only once the prompt has appeared: a sudo that does
// not ask (NOPASSWD, or a cached ticket) never sees it, so it is never echoed into the output.
using System.Text;
using Ssh.Client;

if (args.Length < 4)
{
    Console.Error.WriteLine("usage: SudoPty HOST PORT USER COMMAND...   (password in SSH_PASSWORD, used for login and for sudo)");
    return 2;
}
const string Prompt = "sudo-password: ";
string password = Environment.GetEnvironmentVariable("SSH_PASSWORD") ?? "";

using var client = new SshClient();
client.LoadSystemHostKeys(Environment.GetEnvironmentVariable("SSH_KNOWN_HOSTS"));
client.Connect(args[0], int.Parse(args[1]), args[2], password);

var (stdin, stdout, _) = client.ExecCommand($"sudo -p '{Prompt}' {string.Join(' ', args[3..])}", getPty: true,
    timeout: TimeSpan.FromSeconds(30));
var seen = new StringBuilder();
bool answered = false;
byte[] buffer = new byte[4096];
int n;
while ((n = await stdout.ReadAsync(buffer)) > 0)
{
    string text = Encoding.UTF8.GetString(buffer, 0, n);
    seen.Append(text);
    if (!answered && seen.ToString().TrimEnd().EndsWith(Prompt.TrimEnd(), StringComparison.Ordinal))
    {
        stdin.Write(password + "\n");
        stdin.Flush();
        answered = true;
        continue; // the prompt is not the command's output
    }
    Console.Write(text);
}
return stdout.Channel.RecvExitStatus();
