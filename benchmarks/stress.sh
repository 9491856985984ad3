#!/usr/bin/env bash
# The hardening soak in full (CI runs the same tests in a short form): four channels each moving 1 GiB both ways through
# `cat` while the keys are renegotiated about 1,000 times (a 3 MiB rekey limit on both sides), every byte checked by
# SHA-256; and 200 sessions doing exec and forwarding while 1,000 unauthenticated connections flood in. Prints each
# scenario's throughput, re-exchange and error counts.
#
#   benchmarks/stress.sh             the full form (several minutes on 2 cores)
#   SSHCS_STRESS_BYTES=... SSHCS_STRESS_REKEY_BYTES=... SSHCS_STRESS_SESSIONS=... SSHCS_STRESS_FLOOD=... benchmarks/stress.sh
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
export SSHCS_STRESS_BYTES=${SSHCS_STRESS_BYTES:-1073741824}
export SSHCS_STRESS_REKEY_BYTES=${SSHCS_STRESS_REKEY_BYTES:-3145728}
export SSHCS_STRESS_SESSIONS=${SSHCS_STRESS_SESSIONS:-200}
export SSHCS_STRESS_FLOOD=${SSHCS_STRESS_FLOOD:-1000}
exec ./test.sh --interop -- --filter 'FullyQualifiedName~StressTests' --logger 'console;verbosity=detailed'
