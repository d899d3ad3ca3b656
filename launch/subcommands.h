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

// Subcommand entry points, one per launch/<name>.cc.
int RunTrain(const Args& args);  // launch/train.cc
int RunEval(const Args& args);   // launch/eval.cc
int RunFedServer(const Args& args);  // launch/fed_server.cc
int RunFedClient(const Args& args);  // launch/fed_client.cc

// The table of subcommands, in the order `syncline --help` lists them.
const std::vector<Subcommand>& Subcommands();

}  // namespace syncline::launch
