// The Open MPI backend, for jobs started by mpirun.
//
// Every MPI call happens on the backend's own thread (SerialExecutor), which
// initializes MPI with MPI_THREAD_FUNNELED and runs each collective as a
// non-blocking MPI_I* call polled with MPI_Test against the collective's
// deadline. So issuing returns at once, the collective progresses while the
// caller computes, and no call can hang: past the deadline the result is
// DeadlineExceeded; if a peer process on the same host has died the result is
// Unavailable naming that rank (checked every 200 ms while polling).
// After any failure the backend is broken: later calls fail at once and
// MPI_Finalize is skipped (peers may be gone), so the process can exit.
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
