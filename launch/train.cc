// `syncline train`: trains one model from a config (launch/trainer.h).
#include <cstdio>

#include "comm/backend_registry.h"
#include "comm/launch_env.h"
#include "launch/config.h"
#include "launch/flags.h"
#include "launch/subcommands.h"
#include "launch/trainer.h"

namespace syncline::launch {
namespace {

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "syncline train: %s\n", std::string(status.message()).c_str());
  return 1;
}

}  // namespace

int RunTrain(const Args& args) {
  std::string config_path, metrics, resume;
  std::vector<std::string> sets;
  FlagSet flags("syncline train --config F [--set path=value ...] [--metrics out.jsonl] "
                "[--resume ckpt]");
  flags.Required("config", &config_path, "experiment config (text-format ExperimentConfig)");
  flags.Repeated("set", &sets, "override one field, e.g. --set train.epochs=3");
  flags.String("metrics", &metrics, "write JSON-lines metrics here (overrides logging.metrics_path)");
  flags.String("resume", &resume, "continue from a checkpoint file, or the newest in a folder");
  if (absl::Status s = flags.Parse(args); !s.ok()) {
    std::fprintf(stderr, "syncline train: %s\n%s", std::string(s.message()).c_str(),
                 flags.Usage().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::printf("%s", flags.Usage().c_str());
    return 0;
  }
  absl::StatusOr<proto::ExperimentConfig> config = LoadExperimentConfig(config_path, sets);
  if (!config.ok()) return Fail(config.status());
  // Rank and world size come from the launcher (mpirun) via the environment;
  // comm.backend picks the transport (auto: nccl on GPU, mpi under mpirun,
  // else one local rank).
  absl::StatusOr<comm::LaunchEnv> env = comm::ReadLaunchEnv();
  if (!env.ok()) return Fail(env.status());
  absl::StatusOr<std::unique_ptr<comm::Communicator>> comm =
      comm::CreateCommunicator(config->comm(), *env);
  if (!comm.ok()) return Fail(comm.status());
  TrainerOptions options;
  options.rank = (*comm)->rank();
  options.world_size = (*comm)->size();
  options.comm = comm->get();
  options.metrics_path = metrics;
  options.resume_path = resume;
  absl::StatusOr<std::unique_ptr<Trainer>> trainer = Trainer::Create(*config, options);
  if (!trainer.ok()) return Fail(trainer.status());
  if (absl::Status s = (*trainer)->Run(); !s.ok()) return Fail(s);
  return 0;
}

}  // namespace syncline::launch
