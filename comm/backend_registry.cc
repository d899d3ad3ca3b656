#include "comm/backend_registry.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "comm/local/local_backend.h"
#include "syncline/config.h"

#if SYNCLINE_WITH_MPI
#include "comm/mpi/mpi_backend.h"
#endif
#if SYNCLINE_WITH_NCCL
#include "comm/nccl/nccl_backend.h"
#endif

namespace syncline::comm {
namespace {

bool GpuVisible() {
#if SYNCLINE_WITH_NCCL
  return NcclDeviceCount() > 0;
#else
  return false;
#endif
}

absl::StatusOr<std::unique_ptr<Backend>> CreateMpi() {
#if SYNCLINE_WITH_MPI
  return CreateMpiBackend();
#else
  return absl::UnimplementedError("comm.backend \"mpi\": this build has no MPI (SYNCLINE_WITH_MPI=OFF)");
#endif
}

absl::StatusOr<std::unique_ptr<Backend>> CreateLocal(const LaunchEnv& env) {
  if (env.world_size != 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("comm.backend \"local\" runs one rank per process, but the launch "
                     "environment says world size ", env.world_size, "; use mpi"));
  }
  return std::move(LocalBackend::CreateWorld(1).front());
}

absl::StatusOr<std::unique_ptr<Backend>> CreateNccl(const LaunchEnv& env) {
#if SYNCLINE_WITH_NCCL
  // NCCL needs its unique id handed around: mpi under mpirun, else 1 rank.
  absl::StatusOr<std::unique_ptr<Backend>> bootstrap =
      env.under_mpirun ? CreateMpi() : CreateLocal(env);
  if (!bootstrap.ok()) return bootstrap.status();
  return CreateNcclBackend(std::move(*bootstrap), env.local_rank);
#else
  (void)env;
  return absl::UnimplementedError(
      "comm.backend \"nccl\": this build has no NCCL (configure with -DSYNCLINE_WITH_CUDA=ON "
      "-DSYNCLINE_WITH_NCCL=ON)");
#endif
}

absl::StatusOr<std::unique_ptr<Backend>> CreateBackend(const std::string& name,
                                                       const LaunchEnv& env) {
  if (name == "auto") {
    if (GpuVisible()) return CreateNccl(env);
    if (env.under_mpirun) return CreateMpi();
    return CreateLocal(env);
  }
  if (name == "local") return CreateLocal(env);
  if (name == "mpi") return CreateMpi();
  if (name == "nccl") return CreateNccl(env);
  return absl::InvalidArgumentError(absl::StrCat("comm.backend: unknown backend \"", name,
                                                 "\" (expected auto, local, mpi or nccl)"));
}

}  // namespace

std::vector<std::string> BuiltBackends() {
  std::vector<std::string> names = {"local"};
  if (SYNCLINE_WITH_MPI) names.push_back("mpi");
  if (SYNCLINE_WITH_NCCL) names.push_back("nccl");
  return names;
}

absl::StatusOr<std::unique_ptr<Communicator>> CreateCommunicator(const proto::CommConfig& config,
                                                                 const LaunchEnv& env) {
  absl::StatusOr<std::unique_ptr<Backend>> backend = CreateBackend(config.backend(), env);
  if (!backend.ok()) return backend.status();
  if ((*backend)->size() != env.world_size && !env.under_mpirun) {
    return absl::InvalidArgumentError(absl::StrCat("backend ", (*backend)->name(), " has ",
                                                   (*backend)->size(), " ranks, launch environment says ",
                                                   env.world_size));
  }
  CommunicatorOptions options;
  options.check_collectives = config.check_collectives();
  return std::make_unique<Communicator>(std::move(*backend), options);
}

}  // namespace syncline::comm
