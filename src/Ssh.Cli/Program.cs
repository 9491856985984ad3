// Placeholder entry point so the solution builds on the interop branch; the real `sshcs` comes with issue 2's client.
return 2;
