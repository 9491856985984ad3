#!/usr/bin/env bash
# Fuzzes our parsers with AFL++ and SharpFuzz: builds fuzz/Ssh.Fuzz into fuzz/.out/bin, instruments our assemblies
# there, then runs afl-fuzz on each target for N seconds, one at a time, and prints per target the executions per
# second, the paths (queue entries) and edges found, crashes and hangs. fuzz/README.md says how to reproduce one.
#
#   fuzz/run.sh [--seconds N] [--no-build] [TARGET...]    N defaults to 600; no TARGET means every target
#   fuzz/run.sh --list                                    the targets
#
# Exit code: 0 when no target crashed or hung, 1 when one did, 2 for a setup error. The last lines are one
# `fuzz: TARGET ok|CRASH|HANG|ERROR ...` per target (and no other line starts so); a crash or hang names the input
# that caused it.
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"
readonly FUZZ_DIR=$PWD
readonly OUT=$FUZZ_DIR/.out
readonly BIN=$OUT/bin
readonly TOOLS=$FUZZ_DIR/.tools
readonly SHARPFUZZ_VERSION=2.3.0
# Our assemblies: the only code instrumented (BouncyCastle and the runtime are not; their paths would only blur
# what the fuzzer learns about ours).
readonly INSTRUMENTED=(Ssh.Transport.dll Ssh.Channels.dll Ssh.Client.dll Ssh.Server.dll Ssh.Sftp.dll)

seconds=600
build=1
list=0
targets=()
while (($#)); do
    case "$1" in
        --seconds) seconds=${2:?--seconds needs a number}; shift ;;
        --seconds=*) seconds=${1#*=} ;;
        --no-build) build=0 ;;
        --list) list=1 ;;
        -h|--help) sed -n '2,10s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) echo "run.sh: unknown option '$1' (try --help)" >&2; exit 2 ;;
        *) targets+=("$1") ;;
    esac
    shift
done
[[ "$seconds" =~ ^[0-9]+$ ]] && ((seconds > 0)) || { echo "run.sh: --seconds takes a positive number" >&2; exit 2; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# --- tools ---------------------------------------------------------------------------------------
if ! command -v afl-fuzz >/dev/null 2>&1; then
    echo "run.sh: afl-fuzz is not installed; on Debian: apt-get install afl++" >&2
    exit 2
fi
if [[ ! -x "$TOOLS/sharpfuzz" ]]; then
    echo "==> installing SharpFuzz.CommandLine $SHARPFUZZ_VERSION into fuzz/.tools"
    dotnet tool install SharpFuzz.CommandLine --version "$SHARPFUZZ_VERSION" --tool-path "$TOOLS" >/dev/null
fi

# --- build and instrument ------------------------------------------------------------------------
if ((build)) || [[ ! -f "$BIN/Ssh.Fuzz.dll" ]]; then
    echo "==> dotnet publish fuzz/Ssh.Fuzz -c Release"
    rm -rf "$BIN"
    dotnet publish "$FUZZ_DIR/Ssh.Fuzz/Ssh.Fuzz.csproj" -c Release -o "$BIN" --nologo -v quiet
    for dll in "${INSTRUMENTED[@]}"; do
        "$TOOLS/sharpfuzz" "$BIN/$dll" >/dev/null
    done
    echo "==> instrumented ${INSTRUMENTED[*]}"
fi

mapfile -t all_targets < <(dotnet "$BIN/Ssh.Fuzz.dll" list | cut -f1)
if ((list)); then
    printf '%s\n' "${all_targets[@]}"
    exit 0
fi
if ((${#targets[@]} == 0)); then targets=("${all_targets[@]}"); fi
for t in "${targets[@]}"; do
    if [[ " ${all_targets[*]} " != *" $t "* ]]; then
        echo "run.sh: no target '$t' (fuzz/run.sh --list)" >&2
        exit 2
    fi
    if [[ ! -d "$FUZZ_DIR/corpus/$t" ]]; then
        echo "run.sh: no seed corpus fuzz/corpus/$t" >&2
        exit 2
    fi
done

# --- fuzz ----------------------------------------------------------------------------------------
# afl-fuzz runs `dotnet Ssh.Fuzz.dll TARGET`, which is no AFL-instrumented binary (SharpFuzz instruments the IL
# and serves the fork server protocol itself). In a container no core pattern or CPU governor is ours to set.
export AFL_SKIP_BIN_CHECK=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_UI=1 \
       AFL_NO_AFFINITY=1 AFL_FORKSRV_INIT_TMOUT=60000 AFL_NO_CRASH_README=1 AFL_FAST_CAL=1
# A single input may take this long (the first runs JIT-compile; RSA and bcrypt are slow) before it is a hang.
readonly TIMEOUT_MS=${FUZZ_TIMEOUT_MS:-5000}

stat_of() { sed -n "s/^$2 *: *//p" "$1" 2>/dev/null | head -n 1; }

failed=0
summary=()
for t in "${targets[@]}"; do
    findings=$OUT/findings/$t
    rm -rf "$findings"
    mkdir -p "$findings"
    log=$OUT/findings/$t.log
    echo "==> afl-fuzz $t for ${seconds}s"
    for attempt in 1 2; do
        rc=0
        afl-fuzz -i "$FUZZ_DIR/corpus/$t" -o "$findings" -t "$TIMEOUT_MS" -m none -V "$seconds" \
            -- dotnet "$BIN/Ssh.Fuzz.dll" "$t" >"$log" 2>&1 || rc=$?
        # On a loaded machine the dry run of the seeds now and then sees an empty coverage map and gives up before
        # fuzzing starts; that says nothing about the target, so it gets one more try.
        if ((rc != 0)) && ((attempt == 1)) && grep -q 'No instrumentation detected' "$log"; then
            echo "==> $t: afl-fuzz's dry run saw no coverage (machine under load?); trying once more"
            rm -rf "$findings"
            mkdir -p "$findings"
            continue
        fi
        break
    done
    dir=$findings/default
    stats=$dir/fuzzer_stats
    crashes=$(find "$dir/crashes" -type f -name 'id:*' 2>/dev/null | sort)
    hangs=$(find "$dir/hangs" -type f -name 'id:*' 2>/dev/null | sort)
    # In-process fuzzing cannot survive a timeout: afl-fuzz kills the one process, the fork server with it, and
    # stops. What it was running is the hang.
    if ((rc != 0)) && grep -q -e 'Unable to communicate with fork server' -e 'Fork server is misbehaving' "$log"; then
        mkdir -p "$dir/hangs"
        cp "$dir/.cur_input" "$dir/hangs/id:fork-server-lost" 2>/dev/null || true
        hangs=$(find "$dir/hangs" -type f -name 'id:*' | sort)
    elif ((rc != 0)) || [[ ! -f "$stats" ]]; then
        echo "run.sh: afl-fuzz exited with $rc on $t; the end of $log:" >&2
        tail -n 20 "$log" >&2
        summary+=("fuzz: $t ERROR (afl-fuzz exited with $rc; log $log)")
        failed=1
        continue
    fi
    execs=$(stat_of "$stats" execs_done)
    speed=$(stat_of "$stats" execs_per_sec)
    paths=$(stat_of "$stats" corpus_count)
    edges=$(stat_of "$stats" edges_found)
    coverage=$(stat_of "$stats" bitmap_cvg)
    line="execs=${execs:-?} execs/s=${speed:-?} paths=${paths:-?} edges=${edges:-?} map=${coverage:-?}"
    if [[ -n "$crashes" ]]; then
        summary+=("fuzz: $t CRASH $line crashes=$(wc -l <<<"$crashes") first=$(head -n 1 <<<"$crashes")")
        failed=1
    elif [[ -n "$hangs" ]]; then
        summary+=("fuzz: $t HANG $line hangs=$(wc -l <<<"$hangs") first=$(head -n 1 <<<"$hangs")")
        failed=1
    else
        summary+=("fuzz: $t ok $line")
    fi
    echo "==> ${summary[-1]#fuzz: }"
done

echo "==> summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit "$failed"
