// syncline: one binary, subcommands in a table (launch/subcommands.cc).
#include <cstdio>
#include <cstring>
#include <string>

#include "launch/subcommands.h"

namespace {

void PrintUsage() {
  std::fprintf(stderr, "usage: syncline <subcommand> [flags]\n\nsubcommands:\n");
  for (const auto& sub : syncline::launch::Subcommands()) {
    std::fprintf(stderr, "  %-11s %s\n", sub.name, sub.summary);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    PrintUsage();
    return argc < 2 ? 2 : 0;
  }
  for (const auto& sub : syncline::launch::Subcommands()) {
    if (argv[1] == std::string(sub.name)) {
      return sub.run(syncline::launch::Args(argv + 2, argv + argc));
    }
  }
  std::fprintf(stderr, "syncline: unknown subcommand '%s'\n", argv[1]);
  PrintUsage();
  return 2;
}
