#!/usr/bin/env bash
# Publishes the sshcs tool ahead of time as one native executable, artifacts/sshcs/sshcs (Native AOT: no JIT at
# start-up, no runtime needed on the machine that runs it). Needs clang (or gcc) and zlib1g-dev, as Native AOT does.
# `dotnet run --project src/Ssh.Cli` and the dotnet tool (dotnet pack) are built as before; this is one more way.
#
#   scripts/publish-cli.sh              artifacts/sshcs/sshcs for this machine's runtime identifier
#   scripts/publish-cli.sh -r RID       another (linux-arm64, ...)
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
rid=linux-x64
[[ "$(uname -m)" == aarch64 ]] && rid=linux-arm64
if [[ "${1:-}" == "-r" ]]; then rid=$2; fi
dotnet publish src/Ssh.Cli -c Release -r "$rid" -p:PublishAot=true -p:GenerateDocumentationFile=false -o artifacts/sshcs --nologo -v quiet
echo "artifacts/sshcs/sshcs"
