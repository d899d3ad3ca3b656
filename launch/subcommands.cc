#include "launch/subcommands.h"

namespace syncline::launch {

// Registered by the files that implement them; add one line per subcommand.
const std::vector<Subcommand>& Subcommands() {
  static const std::vector<Subcommand> table = {};
  return table;
}

}  // namespace syncline::launch
