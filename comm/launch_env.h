// LaunchEnv: where this process sits in the job, read from the environment in
// this one place. Understands syncline's own variables (SYNCLINE_RANK,
// SYNCLINE_WORLD_SIZE, SYNCLINE_LOCAL_RANK, SYNCLINE_STORE_ADDR) and, under
// mpirun, Open MPI's OMPI_COMM_WORLD_RANK/_SIZE/_LOCAL_RANK (SYNCLINE_*
// wins when both are set). Values that do not parse completely as integers
// in range are rejected with an error naming the variable.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace syncline::comm {

struct LaunchEnv {
  int rank = 0;
  int world_size = 1;
  int local_rank = 0;
  std::string store_addr;
  // Started by Open MPI's mpirun (OMPI_COMM_WORLD_SIZE is set).
  bool under_mpirun = false;
};

// `getenv` is injectable for tests; null means ::getenv.
using GetEnvFn = const char* (*)(const char*);
absl::StatusOr<LaunchEnv> ReadLaunchEnv(GetEnvFn getenv_fn = nullptr);

}  // namespace syncline::comm
