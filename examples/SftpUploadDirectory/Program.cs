// paramiko:
//     sftp = client.open_sftp()
//     for root, dirs, files in os.walk(local):
//         remote_root = posixpath.join(remote, os.path.relpath(root, local))
//         try: sftp.mkdir(remote_root)
//         except IOError: pass
//         for f in files: sftp.put(os.path.join(root, f), posixpath.join(remote_root, f))
//
// (sftp.PutDirectory(local, remote) does the same in one call, with the transfers pipelined.)
using Ssh.Client;
using Ssh.Sftp;

if (args.Length != 5)
{
    Console.Error.WriteLine("usage: SftpUploadDirectory HOST PORT USER LOCAL_DIR REMOTE_DIR   (password in SSH_PASSWORD)");
    return 2;
}
string local = Path.GetFullPath(args[3]);
string remote = args[4].TrimEnd('/');

using var client = new SshClient();
client.LoadSystemHostKeys(Environment.GetEnvironmentVariable("SSH_KNOWN_HOSTS"));
client.Connect(args[0], int.Parse(args[1]), args[2], Environment.GetEnvironmentVariable("SSH_PASSWORD"));
using SftpClient sftp = client.OpenSftp();

int files = 0;
Upload(local, remote);
Console.WriteLine($"uploaded {files} files to {remote}");
return 0;

void Upload(string localDir, string remoteDir)
{
    try
    {
        sftp.Mkdir(remoteDir);
    }
    catch (IOException) when (sftp.Stat(remoteDir).IsDirectory)
    {
        // It exists already.
    }
    foreach (string file in Directory.EnumerateFiles(localDir))
    {
        sftp.Put(file, remoteDir + "/" + Path.GetFileName(file));
        files++;
    }
    foreach (string dir in Directory.EnumerateDirectories(localDir))
        Upload(dir, remoteDir + "/" + Path.GetFileName(dir));
}
