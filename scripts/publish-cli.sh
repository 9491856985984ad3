#!/usr/bin/env bash
# Publishes the sshcs tool ahead of time as one native executable (Native AOT: no JIT at start-up, no runtime
# needed on the machine that runs it). Needs clang and zlib1g-dev, as Native AOT does on Linux.
# `dotnet run --project src/Ssh.Cli` and the dotnet tool (dotnet pack) are built as before; this is one more way.
#
#   scripts/publish-cli.sh                artifacts/sshcs/sshcs for this machine's runtime identifier
#   scripts/publish-cli.sh -r RID         another (linux-arm64, ...)
#   scripts/publish-cli.sh -o DIR         into DIR instead of artifacts/sshcs
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
rid=linux-x64
[[ "$(uname -m)" == aarch64 ]] && rid=linux-arm64
out=artifacts/sshcs
while (($#)); do
    case "$1" in
        -r) rid=$2; shift 2 ;;
        -o) out=$2; shift 2 ;;
        *) echo "usage: scripts/publish-cli.sh [-r RID] [-o DIR]" >&2; exit 2 ;;
    esac
done
# Its own build tree (--artifacts-path): a publish for one runtime must not rebuild, or clean, the outputs of the
# ordinary build that the tests and `dotnet pack` use.
dotnet publish src/Ssh.Cli -c Release -r "$rid" -p:PublishAot=true --artifacts-path artifacts/aot-build -o "$out" --nologo -v quiet
echo "$out/sshcs"
