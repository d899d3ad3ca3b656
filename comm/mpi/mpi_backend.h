// The Open MPI backend, for jobs started by mpirun.
//
// Every MPI call happens on the backend's own thread (SerialExecutor), which
// initializes MPI with MPI_THREAD_FUNNELED and runs each collective as the
// plain blocking call (MPI_Allreduce, ...), so it gets Open MPI's tuned
// algorithms; issuing returns at once and the collective progresses while the
// caller computes. (The non-blocking MPI_I* forms go through libnbc, whose
// allreduce is a binomial reduce+broadcast that only advances inside MPI_Test:
// 0.6x the blocking call's bandwidth at 2 ranks.) The MPI thread spins while
// it waits, yielding (mpi_yield_when_idle=1 unless the user set it).
// A watchdog thread bounds every call: past the deadline the Work fails with
// DeadlineExceeded; if a peer process on the same host has died it fails with
// Unavailable naming that rank (checked every 200 ms). The blocked MPI call
// cannot be interrupted, so after any failure the backend is broken: later
// calls fail at once, MPI_Finalize is skipped and a stuck MPI thread is left
// to die with the process, so the process can exit.
// At most one MPI backend per process (MPI cannot be initialized twice).
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "comm/backend.h"

namespace syncline::comm {

// Initializes MPI and returns this process's backend; errors if MPI was
// already initialized by someone else or fails to start.
absl::StatusOr<std::unique_ptr<Backend>> CreateMpiBackend();

}  // namespace syncline::comm
