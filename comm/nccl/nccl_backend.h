// The NCCL backend: collectives on the GPU for host buffers (copied to the
// device and back), one rank per GPU. Built only with -DSYNCLINE_WITH_CUDA=ON
// -DSYNCLINE_WITH_NCCL=ON.
//
// All CUDA and NCCL calls run on the backend's own thread; each collective
// is queued on one stream and polled (cudaStreamQuery, ncclCommGetAsyncError)
// against its deadline. Past the deadline the communicator is aborted
// (ncclCommAbort), the result is DeadlineExceeded, and the backend is broken.
#pragma once

#include <memory>

#include "absl/status/statusor.h"
#include "comm/backend.h"

namespace syncline::comm {

// Visible CUDA devices; any cudaGetDeviceCount error (no driver) counts as 0.
int NcclDeviceCount();

// Uses `bootstrap` (mpi under mpirun, or local with one rank) to hand rank
// 0's ncclUniqueId to every rank, then binds device local_rank % devices.
// Rank and size are the bootstrap's; it is kept for nothing else.
absl::StatusOr<std::unique_ptr<Backend>> CreateNcclBackend(std::unique_ptr<Backend> bootstrap,
                                                           int local_rank);

}  // namespace syncline::comm
