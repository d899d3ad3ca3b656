// `syncline fed-client`: one federated client daemon (issue 6).
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
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
  InstallStopHandlers();
  auto client = federated::FedClient::Create(*config, options);
  if (!client.ok()) {
    std::fprintf(stderr, "fed-client: %s\n", std::string(client.status().message()).c_str());
    return 1;
  }
  if (absl::Status s = (*client)->Run(StopRequested()); !s.ok()) {
    std::fprintf(stderr, "fed-client %d: %s\n", options.client_id, std::string(s.message()).c_str());
    return 1;
  }
  return 0;
}

}  // namespace syncline::launch
