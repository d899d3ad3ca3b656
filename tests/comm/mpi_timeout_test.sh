#!/usr/bin/env bash
# Runs mpi_timeout_test at 2 ranks; rank 0 must report the timeout and exit 0
# even though its MPI thread is still blocked (CTest label mpi).
# Usage: mpi_timeout_test.sh TEST_BINARY MPIEXEC [MPIEXEC_PREFLAGS...]
set -uo pipefail
binary="$1"; mpiexec="$2"; shift 2
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# --enable-recovery: ranks that skip MPI_Finalize do not fail the job; the
# wrapper shell records each rank's own exit status.
timeout 60 "$mpiexec" -np 2 "$@" --enable-recovery sh -c '"$0"
  echo "rank $OMPI_COMM_WORLD_RANK exit $?" >> "$1"' "$binary" "$work/codes" 2>&1
cat "$work/codes"
grep -q "^rank 0 exit 0$" "$work/codes" || { echo "FAIL: rank 0 did not exit 0"; exit 1; }
echo "PASS"
