#include "launch/subcommands.h"

#include "launch/sweep.h"

namespace syncline::launch {

// Registered by the files that implement them; add one line per subcommand.
const std::vector<Subcommand>& Subcommands() {
  static const std::vector<Subcommand> table = {
      {"fed-server", "federated round server (gRPC)", RunFedServer},
      {"fed-client", "federated client daemon", RunFedClient},
      {"sweep", "run a grid of experiments; results table and plots", SweepCommand},
  };
  return table;
}

}  // namespace syncline::launch
