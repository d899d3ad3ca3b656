// The `syncline` subcommands. Each takes the arguments after its name and
// returns the process exit code. Each lives in its own launch/<name>.cc.
#pragma once

#include <string>
#include <vector>

namespace syncline::launch {

using Args = std::vector<std::string>;

struct Subcommand {
  const char* name;
  const char* summary;
  int (*run)(const Args& args);
};

int RunFedServer(const Args& args);
int RunFedClient(const Args& args);

// The table of subcommands, in the order `syncline --help` lists them.
const std::vector<Subcommand>& Subcommands();

}  // namespace syncline::launch
