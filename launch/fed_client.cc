// `syncline fed-client`: one federated client daemon (issue 6).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "comm/backend_registry.h"
#include "comm/launch_env.h"
#include "federated/client.h"
#include "launch/config.h"
#include "launch/fed_common.h"
#include "launch/flags.h"
#include "launch/subcommands.h"

namespace syncline::launch {

int RunFedClient(const Args& args) {
  FlagSet flags(
      "syncline fed-client --config F --client-id K [--server HOST:PORT] [--set path=value ...]");
  std::string config_path, id_text, address, reconnect = "120";
  std::vector<std::string> sets;
  flags.Required("config", &config_path, "experiment config (text proto)");
  flags.Required("client-id", &id_text, "this client's id in [0, federated.num_clients)");
  flags.String("server", &address, "server HOST:PORT (default server.address)");
  flags.Repeated("set", &sets, "override a field, e.g. federated.local_lr=0.1");
  flags.String("reconnect-timeout", &reconnect, "seconds to keep retrying an unreachable server");
  if (absl::Status s = flags.Parse(args); !s.ok() || flags.help_requested()) {
    if (!s.ok()) std::fprintf(stderr, "fed-client: %s\n", std::string(s.message()).c_str());
    std::fprintf(stderr, "%s", flags.Usage().c_str());
    return s.ok() ? 0 : 2;
  }
  federated::ClientOptions options;
  if (!absl::SimpleAtoi(id_text, &options.client_id)) {
    std::fprintf(stderr, "fed-client: --client-id: '%s' is not an integer\n", id_text.c_str());
    return 2;
  }
  if (!absl::SimpleAtod(reconnect, &options.reconnect_timeout_s)) {
    std::fprintf(stderr, "fed-client: --reconnect-timeout: '%s' is not a number\n",
                 reconnect.c_str());
    return 2;
  }
  options.address = address;
  auto config = LoadExperimentConfig(config_path, sets);
  if (!config.ok()) {
    std::fprintf(stderr, "fed-client: %s\n", std::string(config.status().message()).c_str());
    return 1;
  }
  // Under mpirun (world size > 1) this process is one rank of a client group:
  // rank 0 talks to the server, the group trains data-parallel.
  absl::StatusOr<comm::LaunchEnv> env = comm::ReadLaunchEnv();
  if (!env.ok()) {
    std::fprintf(stderr, "fed-client: %s\n", std::string(env.status().message()).c_str());
    return 1;
  }
  std::unique_ptr<comm::Communicator> comm;
  std::unique_ptr<federated::ClientGroup> group;
  std::string who = absl::StrCat("fed-client ", options.client_id);
  if (env->world_size > 1) {
    auto created = comm::CreateCommunicator(config->comm(), *env);
    if (!created.ok()) {
      std::fprintf(stderr, "%s rank %d: %s\n", who.c_str(), env->rank,
                   std::string(created.status().message()).c_str());
      return 1;
    }
    comm = std::move(*created);
    federated::GroupOptions group_options;
    group_options.collective_timeout = absl::Seconds(config->comm().timeout_s());
    group_options.bucket_mb = config->comm().bucket_mb();
    group = std::make_unique<federated::ClientGroup>(comm.get(), group_options);
    options.group = group.get();
    absl::StrAppend(&who, " rank ", comm->rank());
  }
  InstallStopHandlers();
  auto client = federated::FedClient::Create(*config, options);
  if (!client.ok()) {
    std::fprintf(stderr, "%s: %s\n", who.c_str(), std::string(client.status().message()).c_str());
    return 1;
  }
  if (absl::Status s = (*client)->Run(StopRequested()); !s.ok()) {
    std::fprintf(stderr, "%s: %s\n", who.c_str(), std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace syncline::launch
