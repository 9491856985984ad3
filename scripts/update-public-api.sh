#!/usr/bin/env bash
# Regenerates PublicAPI.Shipped.txt and PublicAPI.Unshipped.txt of the library projects under src/ (every project
# there but the sshcs executable) from the code, so the tracked public surface is what the compiler sees.
#
#   scripts/update-public-api.sh                    the whole current surface goes to PublicAPI.Shipped.txt,
#                                                   PublicAPI.Unshipped.txt is left empty
#   scripts/update-public-api.sh --unshipped        PublicAPI.Shipped.txt is kept; what was added since goes to
#                                                   PublicAPI.Unshipped.txt, what was removed as *REMOVED* lines
#   scripts/update-public-api.sh src/Ssh.Sftp ...   only these projects (directories or .csproj files)
#
# How: both files of a project are reset to `#nullable enable`, then the analyzer's own code fix for RS0016
# (`dotnet format analyzers --diagnostics RS0016`) declares every public type and member into PublicAPI.Unshipped.txt,
# with nullable annotations, one line per symbol, sorted the analyzer's way. The lines are then moved to where they
# belong. Only the named project's files are written (the projects it references are compiled, not changed). Review
# the result with `git diff`: every line there is a change to the public API.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")/.."

readonly HEADER='#nullable enable'

usage() {
    sed -n '2,10s/^# \{0,1\}//p' "$0"
}

mode=shipped
projects=()
while (($#)); do
    case "$1" in
        --unshipped) mode=unshipped ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "update-public-api.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
        *.csproj) projects+=("$1") ;;
        *) projects+=("$(find "$1" -maxdepth 1 -name '*.csproj' | head -n 1)") ;;
    esac
    shift
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ((${#projects[@]} == 0)); then
    mapfile -t projects < <(find src -mindepth 2 -maxdepth 2 -name '*.csproj' | sort)
fi

# Lines of $1 that are not lines of $2 (whole-line, literal), in $1's order.
lines_not_in() {
    grep -vxF -f "$2" "$1" || true
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for project in "${projects[@]}"; do
    [[ -f "$project" ]] || { echo "update-public-api.sh: no project at '$project'" >&2; exit 2; }
    dir=$(dirname "$project")
    if [[ "$(dotnet msbuild "$project" -getProperty:OutputType)" == Exe ]]; then
        continue    # the sshcs executable: its types are internal, it has no API to track
    fi

    shipped=$dir/PublicAPI.Shipped.txt
    unshipped=$dir/PublicAPI.Unshipped.txt
    echo "==> $project"
    if [[ -f "$shipped" ]]; then
        grep -vxF "$HEADER" "$shipped" | grep -v '^$' > "$tmp/old" || true
    else
        : > "$tmp/old"
    fi
    echo "$HEADER" > "$shipped"
    echo "$HEADER" > "$unshipped"

    dotnet format analyzers "$project" --diagnostics RS0016 --severity warn >"$tmp/format.log" 2>&1 || {
        cat "$tmp/format.log" >&2
        echo "update-public-api.sh: dotnet format failed on $project" >&2
        exit 1
    }
    grep -vxF "$HEADER" "$unshipped" | grep -v '^$' > "$tmp/surface" || true

    if [[ $mode == shipped ]]; then
        { echo "$HEADER"; cat "$tmp/surface"; } > "$shipped"
        echo "$HEADER" > "$unshipped"
        echo "    $(wc -l < "$tmp/surface") public API lines, all in PublicAPI.Shipped.txt"
    else
        { echo "$HEADER"; cat "$tmp/old"; } > "$shipped"
        lines_not_in "$tmp/surface" "$tmp/old" > "$tmp/added"
        lines_not_in "$tmp/old" "$tmp/surface" | sed 's/^/*REMOVED*/' > "$tmp/removed"
        { echo "$HEADER"; cat "$tmp/added" "$tmp/removed"; } > "$unshipped"
        echo "    $(wc -l < "$tmp/added") added, $(wc -l < "$tmp/removed") removed since PublicAPI.Shipped.txt"
    fi
done
