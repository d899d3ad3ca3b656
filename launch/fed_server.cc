// `syncline fed-server`: the federated round server (issue 6).
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "federated/server.h"
#include "launch/config.h"
#include "launch/fed_common.h"
#include "launch/flags.h"
#include "launch/subcommands.h"

namespace syncline::launch {
namespace {

void OnSignal(int) { StopRequested().store(true); }

}  // namespace

std::atomic<bool>& StopRequested() {
  static std::atomic<bool> stop{false};
  return stop;
}

void InstallStopHandlers() {
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
}

int RunFedServer(const Args& args) {
  FlagSet flags(
      "syncline fed-server --config F [--set path=value ...] [--metrics FILE] [--resume]");
  std::string config_path, metrics;
  std::vector<std::string> sets;
  bool resume = false;
  flags.Required("config", &config_path, "experiment config (text proto)");
  flags.Repeated("set", &sets, "override a field, e.g. federated.rounds=5");
  flags.String("metrics", &metrics, "JSON-lines metrics file (one line per round)");
  flags.Switch("resume", &resume, "continue from checkpoint.dir/fed_server.ckpt");
  if (absl::Status s = flags.Parse(args); !s.ok() || flags.help_requested()) {
    if (!s.ok()) std::fprintf(stderr, "fed-server: %s\n", std::string(s.message()).c_str());
    std::fprintf(stderr, "%s", flags.Usage().c_str());
    return s.ok() ? 0 : 2;
  }
  auto config = LoadExperimentConfig(config_path, sets);
  if (!config.ok()) {
    std::fprintf(stderr, "fed-server: %s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  federated::ServerOptions options;
  options.metrics_path = metrics.empty() ? config->logging().metrics_path() : metrics;
  options.resume = resume;
  InstallStopHandlers();
  auto server = federated::FedServer::Create(*config, options);
  if (!server.ok()) {
    std::fprintf(stderr, "fed-server: %s\n", std::string(server.status().message()).c_str());
    return 1;
  }
  if (absl::Status s = (*server)->Run(StopRequested()); !s.ok()) {
    std::fprintf(stderr, "fed-server: %s\n", std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace syncline::launch
