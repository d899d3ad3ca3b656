// Chooses and creates the backend named by config comm.backend. The only
// place outside backend folders that knows which backends were built.
//
//   auto  = nccl when built with NCCL and a GPU is visible; else mpi when
//           launched by mpirun; else local with one rank.
//   local = one rank in this process (N-thread worlds are made by tests via
//           LocalBackend::CreateWorld).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "comm/communicator.h"
#include "comm/launch_env.h"
#include "syncline/comm_config.pb.h"

namespace syncline::comm {

absl::StatusOr<std::unique_ptr<Communicator>> CreateCommunicator(const proto::CommConfig& config,
                                                                 const LaunchEnv& env);
// Names of the backends compiled into this binary.
std::vector<std::string> BuiltBackends();

}  // namespace syncline::comm
