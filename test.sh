#!/usr/bin/env bash
# Runs every test: unit tests (tests/), interop tests against real peers (interop-tests/) and a short
# fuzzing pass over every fuzz target (fuzz/). On a fresh Debian machine with the .NET 10 SDK it installs
# the peers (OpenSSH, dropbear, PuTTY, paramiko), AFL++ and the interop test user first. Ends with exactly
# one line `Tests: N passed, N failed` and a non-zero exit when anything failed, a run errored, or a test
# project ran zero tests. Each fuzz target that ran without a crash or hang counts as one passed test.
#
#   ./test.sh                     everything
#   ./test.sh --unit              unit tests only
#   ./test.sh --interop           interop tests only
#   ./test.sh --fuzz              the fuzz targets only, SSH_FUZZ_SECONDS (default 8) each
#   ./test.sh --interop -- --filter 'FullyQualifiedName~Harness'    extra args go to `dotnet test`
#   ./test.sh --openssh10         only build (or find) the cached OpenSSH 10 and print where it is
set -euo pipefail

cd "$(dirname "$(readlink -f "$0")")"

readonly RESULTS_DIR="$PWD/.test-output"
readonly TEST_USER=sshcs-test
readonly TEST_PASSWORD=sshcs-test-pw
readonly TEST_HOME=/home/sshcs-test
# A test that ignores its cancellation token must not hang the run forever: vstest kills the test host
# after this long on one test (the TRX then still holds what ran). Override with SSH_TEST_HANG_TIMEOUT.
readonly HANG_TIMEOUT=${SSH_TEST_HANG_TIMEOUT:-20m}

usage() {
    sed -n '2,12s/^# \{0,1\}//p' "$0"
}

want_unit=0
want_interop=0
want_openssh10_only=0
want_fuzz=0
extra_args=()
while (($#)); do
    case "$1" in
        --unit) want_unit=1 ;;
        --interop) want_interop=1 ;;
        --openssh10) want_openssh10_only=1 ;;
        --fuzz) want_fuzz=1 ;;
        --) shift; extra_args=("$@"); break ;;
        -h|--help) usage; exit 0 ;;
        *) echo "test.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
    shift
done
if ((want_unit == 0 && want_interop == 0 && want_fuzz == 0)); then
    want_unit=1
    want_interop=1
    want_fuzz=1
fi
# The short fuzzing pass: seconds per target (fuzz/run.sh runs longer ones by hand).
readonly FUZZ_SECONDS=${SSH_FUZZ_SECONDS:-8}

as_root() {
    if ((EUID == 0)); then "$@"; else sudo "$@"; fi
}

log() { printf '==> %s\n' "$*"; }

# --- peers -------------------------------------------------------------------------------------
install_peers() {
    local missing=()
    local bin
    for bin in /usr/sbin/sshd /usr/bin/ssh /usr/bin/ssh-keygen /usr/lib/openssh/sftp-server \
               /usr/bin/dbclient /usr/bin/plink /usr/bin/sudo /usr/bin/python3 /usr/bin/clang; do
        [[ -x "$bin" ]] || missing+=("$bin")
    done
    # Native AOT (scripts/publish-cli.sh, tested in interop-tests/Packaging) links with clang against zlib.
    [[ -f /usr/include/zlib.h ]] || missing+=("zlib1g-dev")
    if [[ -x /usr/bin/python3 ]] && ! /usr/bin/python3 -c 'import paramiko' 2>/dev/null; then
        missing+=("python3-paramiko")
    fi
    if ((${#missing[@]} == 0)); then
        return
    fi
    log "installing interop peers (missing: ${missing[*]})"
    # Keep package scripts from starting system daemons (an sshd on *:22) on a CI machine:
    # policy-rc.d exit 101 means "action forbidden" to invoke-rc.d. Only when none is in place.
    local policy_added=0
    if [[ ! -e /usr/sbin/policy-rc.d ]]; then
        printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
        as_root chmod 755 /usr/sbin/policy-rc.d
        policy_added=1
    fi
    local rc=0
    as_root apt-get update || rc=$?
    if ((rc == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
            openssh-server openssh-client openssh-sftp-server dropbear-bin putty-tools \
            python3-paramiko sudo clang zlib1g-dev || rc=$?
    fi
    if ((policy_added)); then as_root rm -f /usr/sbin/policy-rc.d; fi
    return "$rc"
}

# --- OpenSSH 10, the post-quantum peer -----------------------------------------------------------
# Debian 12's OpenSSH 9.2 has no mlkem768x25519-sha256. We build OpenSSH 10 from Debian 13's source
# package once, against Debian 12's OpenSSL 3.0, into a cache outside the work tree, so every later run
# (CI's fresh clones on the same machine included) finds the binaries and skips the build. The
# cache key is the source version: a new Debian upload builds into a new directory.
# SSHCS_OPENSSH10_CACHE overrides the cache root; the interop tests read SSHCS_OPENSSH10 (its prefix).
readonly OPENSSH10_CACHE=${SSHCS_OPENSSH10_CACHE:-/var/cache/sshcs/openssh10}

openssh10_ready() {
    [[ -x "$1/bin/ssh" && -x "$1/sbin/sshd" && -x "$1/bin/ssh-keygen" && -f "$1/.complete" ]]
}

build_openssh10() {
    # A finished build from an earlier run: nothing to do, not even apt.
    local dir
    for dir in "$OPENSSH10_CACHE"/*/; do
        dir=${dir%/}
        if openssh10_ready "$dir"; then
            SSHCS_OPENSSH10=$dir
            export SSHCS_OPENSSH10
            log "OpenSSH 10: cached in $dir"
            return 0
        fi
    done
    local started=$SECONDS
    log "OpenSSH 10: building from Debian 13's source package into $OPENSSH10_CACHE (once per machine)"
    local sources=/etc/apt/sources.list.d/sshcs-trixie-src.sources
    if [[ ! -f "$sources" ]]; then
        printf 'Types: deb-src\nURIs: http://deb.debian.org/debian\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            | as_root tee "$sources" >/dev/null
    fi
    as_root apt-get update
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        dpkg-dev autoconf gcc make libssl-dev zlib1g-dev
    # The sshd privilege-separation user (openssh-server creates it; a bare machine may lack it).
    id -u sshd >/dev/null 2>&1 || as_root useradd --system --no-create-home --home-dir /run/sshd --shell /usr/sbin/nologin sshd
    local work
    work=$(mktemp -d /tmp/sshcs-openssh10-src.XXXXXX)
    (cd "$work" && apt-get source --only-source openssh >"$work/source.log" 2>&1) \
        || { cat "$work/source.log" >&2; rm -rf "$work"; return 1; }
    local src version
    src=$(find "$work" -maxdepth 1 -mindepth 1 -type d -name 'openssh-*' | head -n 1)
    version=${src##*/openssh-}
    [[ "$version" == 10.* ]] || { echo "test.sh: apt-get source openssh gave $version, not OpenSSH 10" >&2; rm -rf "$work"; return 1; }
    local prefix="$OPENSSH10_CACHE/$version"
    as_root rm -rf "$prefix"
    as_root mkdir -p "$prefix/empty"
    as_root chmod 755 "$prefix/empty"
    (
        cd "$src"
        # Debian's patches change configure.ac: regenerate configure from it.
        { autoconf && autoheader; } >"$work/autoconf.log" 2>&1
        ./configure --prefix="$prefix" --sysconfdir="$prefix/etc" --with-privsep-path="$prefix/empty" \
            --with-privsep-user=sshd --without-pam --without-selinux --with-ssl-engine=no >"$work/configure.log" 2>&1 \
            || ./configure --prefix="$prefix" --sysconfdir="$prefix/etc" --with-privsep-path="$prefix/empty" \
            --with-privsep-user=sshd >"$work/configure.log" 2>&1
        make -j"$(nproc)" >"$work/make.log" 2>&1
        make install-nokeys >"$work/install.log" 2>&1
    ) || { echo "test.sh: building OpenSSH $version failed; logs in $work" >&2; tail -n 30 "$work"/*.log >&2; return 1; }
    as_root touch "$prefix/.complete"
    rm -rf "$work"
    SSHCS_OPENSSH10=$prefix
    export SSHCS_OPENSSH10
    log "OpenSSH 10: built $version in $((SECONDS - started)) s into $prefix"
}

# AFL++ for the fuzz targets (SharpFuzz's tool comes from NuGet: fuzz/run.sh installs it under fuzz/.tools).
install_afl() {
    if command -v afl-fuzz >/dev/null 2>&1; then
        return
    fi
    log "installing AFL++ (afl-fuzz is missing)"
    local rc=0
    as_root apt-get update || rc=$?
    if ((rc == 0)); then
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends afl++ || rc=$?
    fi
    return "$rc"
}

# --- the interop test user ---------------------------------------------------------------------
setup_test_user() {
    if ! id -u "$TEST_USER" >/dev/null 2>&1; then
        log "creating user $TEST_USER"
        as_root useradd --no-create-home --home-dir "$TEST_HOME" --shell /bin/bash "$TEST_USER"
    fi
    as_root usermod --home "$TEST_HOME" --shell /bin/bash "$TEST_USER"
    as_root mkdir -p "$TEST_HOME"
    # A clean HOME: no skeleton dotfiles that print or slow down every remote command.
    as_root rm -f "$TEST_HOME/.bashrc" "$TEST_HOME/.profile" "$TEST_HOME/.bash_logout"
    as_root chown "$TEST_USER:" "$TEST_HOME"
    as_root chmod 755 "$TEST_HOME"
    echo "$TEST_USER:$TEST_PASSWORD" | as_root chpasswd
    # Passwordful sudo, for the pty/sudo tests of later issues.
    local sudoers=/etc/sudoers.d/$TEST_USER
    if [[ "$(as_root cat "$sudoers" 2>/dev/null || true)" != "$TEST_USER ALL=(ALL) ALL" ]]; then
        echo "$TEST_USER ALL=(ALL) ALL" | as_root tee "$sudoers" >/dev/null
    fi
    as_root chmod 440 "$sudoers"
    # sshd's privilege-separation directory; /run is a tmpfs, so it vanishes on reboot.
    as_root mkdir -p /run/sshd
    as_root chmod 755 /run/sshd
}

# --- counting ----------------------------------------------------------------------------------
passed=0
failed=0
run_error=0

# A run that errored (build failure, crash, zero tests) counts as one failure, so the summary line
# never reads "0 failed" for a failing run.
run_failed() {
    echo "test.sh: $*" >&2
    run_error=1
    failed=$((failed + 1))
}

# Prints one attribute of the <Counters .../> element of a TRX file (0 when absent).
trx_counter() {
    local value
    value=$(grep -o '<Counters [^>]*>' "$1" | head -n 1 | grep -o " $2=\"[0-9]*\"" | grep -o '[0-9][0-9]*' || true)
    echo "${value:-0}"
}

# Runs one test project into its TRX file and adds its counters to the totals.
run_tests() {
    local name=$1 project=$2
    local trx="$RESULTS_DIR/$name.trx"
    log "dotnet test $project"
    local rc=0
    dotnet test "$project" -c Release --no-build \
        --results-directory "$RESULTS_DIR" \
        --logger "trx;LogFileName=$trx" \
        --logger "console;verbosity=normal" \
        --blame-hang-timeout "$HANG_TIMEOUT" --blame-hang-dump-type none \
        "${extra_args[@]}" || rc=$?
    if [[ ! -f "$trx" ]]; then
        run_failed "$name: no results file ($trx); dotnet test exited with $rc"
        return
    fi
    local executed p f
    executed=$(trx_counter "$trx" executed)
    p=$(trx_counter "$trx" passed)
    f=$(( $(trx_counter "$trx" failed) + $(trx_counter "$trx" error) \
        + $(trx_counter "$trx" timeout) + $(trx_counter "$trx" aborted) ))
    passed=$((passed + p))
    failed=$((failed + f))
    if ((executed == 0)); then
        run_failed "$name: zero tests executed; something is broken (or the filter matched nothing)"
    fi
    if ((rc != 0 && f == 0)); then
        run_failed "$name: dotnet test exited with $rc but reported no failed test (crash or hang?)"
    fi
}

# Runs every fuzz target for FUZZ_SECONDS through fuzz/run.sh; each `fuzz: TARGET ok` line is one passed
# test, each CRASH, HANG or ERROR line one failed test (with the input to reproduce it, see fuzz/README.md).
run_fuzz() {
    log "fuzz/run.sh --seconds $FUZZ_SECONDS (every target)"
    local output="$RESULTS_DIR/fuzz.log" rc=0
    fuzz/run.sh --seconds "$FUZZ_SECONDS" 2>&1 | tee "$output" || rc=${PIPESTATUS[0]}
    local ok bad
    ok=$(grep -c '^fuzz: [^ ]* ok ' "$output" || true)
    bad=$(grep -E '^fuzz: [^ ]* (CRASH|HANG|ERROR) ' "$output" || true)
    passed=$((passed + ok))
    if [[ -n "$bad" ]]; then
        failed=$((failed + $(wc -l <<<"$bad")))
        echo "test.sh: fuzz targets that failed (reproduce with: dotnet fuzz/.out/bin/Ssh.Fuzz.dll TARGET INPUT):" >&2
        printf '%s\n' "$bad" >&2
    fi
    if ((ok == 0)) && [[ -z "$bad" ]]; then
        run_failed "fuzz: no target ran (fuzz/run.sh exited with $rc); see $output"
    elif ((rc != 0)) && [[ -z "$bad" ]]; then
        run_failed "fuzz: fuzz/run.sh exited with $rc but reported no failed target; see $output"
    fi
}

summary_printed=0
summary() {
    summary_printed=1
    echo "Tests: $passed passed, $failed failed"
}

# Per-run parent dir for the fixtures' sshd temp dirs. The fixtures kill their sshd on dispose and at
# process exit, but a test host killed outright (hang timeout) cannot; then this trap stops whatever
# sshd it left, by the PID in that sshd's own PidFile, and removes the dir. A leftover is a failure.
interop_tmp=""
cleanup_interop_tmp() {
    [[ -n "$interop_tmp" && -d "$interop_tmp" ]] || return 0
    local pidfile pid
    for pidfile in "$interop_tmp"/*/sshd.pid; do
        [[ -f "$pidfile" ]] || continue
        pid=$(cat "$pidfile" 2>/dev/null || true)
        if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$interop_tmp/"; then
            run_failed "interop: a fixture left sshd $pid running; stopping it and its sessions"
            kill -STOP "$pid" 2>/dev/null || true     # no new sessions while we look
            local stat child
            for stat in /proc/[0-9]*/stat; do
                child=${stat#/proc/}; child=${child%/stat}
                # Field 4 of stat is the parent PID; the comm field before it is "(sshd)" here.
                if [[ "$(cut -d' ' -f4 "$stat" 2>/dev/null)" == "$pid" ]]; then
                    kill "$child" 2>/dev/null || true
                fi
            done
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    rm -rf "$interop_tmp"
}
# Whatever stops the script (set -e in the setup steps included) still ends with the summary line.
on_exit() {
    local rc=$?
    cleanup_interop_tmp
    if ((!summary_printed)); then
        run_failed "stopped early (exit code $rc)"
        summary
    fi
    exit "$rc"
}
trap on_exit EXIT

# --- main --------------------------------------------------------------------------------------
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! command -v dotnet >/dev/null 2>&1; then
    run_failed "the .NET SDK (dotnet) is not on PATH; install the .NET 10 SDK first"
    summary
    exit 1
fi

if ((want_openssh10_only)); then
    build_openssh10
    summary_printed=1
    echo "$SSHCS_OPENSSH10"
    exit 0
fi

if ((want_interop)); then
    install_peers
    setup_test_user
    build_openssh10
fi
if ((want_fuzz)); then
    install_afl
fi

rm -rf "$RESULTS_DIR"
mkdir -p "$RESULTS_DIR"

# fuzz/run.sh builds what it fuzzes itself; the solution is built for the test projects.
if ((want_unit || want_interop)); then
    log "dotnet build Ssh.sln -c Release"
    if ! dotnet build Ssh.sln -c Release; then
        run_failed "the build failed"
        summary
        exit 1
    fi
fi

if ((want_unit)); then
    run_tests unit tests/Ssh.Tests.csproj
    # The README's testing examples (examples/), an NUnit and an xUnit suite against TestSshServer; not under a
    # filter meant for the unit tests.
    if ((${#extra_args[@]} == 0)); then
        run_tests examples-nunit examples/NUnitTesting/NUnitTesting.csproj
        run_tests examples-xunit examples/XunitTesting/XunitTesting.csproj
    fi
fi
if ((want_interop)); then
    # 0711: sshd reads each fixture's authorized_keys as the test user, who must traverse every parent.
    interop_tmp=$(mktemp -d /tmp/sshcs-interop.XXXXXX)
    chmod 711 "$interop_tmp"
    export SSH_INTEROP_TMPDIR="$interop_tmp"
    run_tests interop interop-tests/Ssh.InteropTests.csproj
    cleanup_interop_tmp
fi
if ((want_fuzz)); then run_fuzz; fi

summary
if ((failed > 0 || run_error)); then
    exit 1
fi
