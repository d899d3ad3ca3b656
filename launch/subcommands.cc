#include "launch/subcommands.h"

#include "launch/bench_allreduce.h"
#include "launch/sweep.h"

namespace syncline::launch {

// Registered by the files that implement them; add one line per subcommand.
const std::vector<Subcommand>& Subcommands() {
  static const std::vector<Subcommand> table = {
      {"train", "train a model from a config (--config F [--set p=v] [--metrics F] [--resume C])",
       RunTrain},
      {"eval", "test accuracy of a checkpoint (--config F --checkpoint C)", RunEval},
      {"bench", "benchmarks: `bench allreduce` (bus bandwidth vs raw MPI)", BenchCommand},
      {"fed-server", "federated round server (gRPC)", RunFedServer},
      {"fed-client", "federated client daemon", RunFedClient},
      {"sweep", "run a grid of experiments; results table and plots", SweepCommand},
  };
  return table;
}

}  // namespace syncline::launch
