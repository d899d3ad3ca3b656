#include "comm/launch_env.h"

#include <cstdlib>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace syncline::comm {
namespace {

// The value of the first of `names` that is set, parsed as an int >= min.
absl::StatusOr<std::optional<int>> ReadInt(GetEnvFn env, std::initializer_list<const char*> names,
                                           int min) {
  for (const char* name : names) {
    const char* value = env(name);
    if (value == nullptr) continue;
    int parsed = 0;
    const absl::string_view text(value);
    const bool digits_only = !text.empty() && text.find_first_not_of("0123456789") == text.npos;
    if (!digits_only || !absl::SimpleAtoi(text, &parsed) || parsed < min) {
      return absl::InvalidArgumentError(absl::StrCat("environment variable ", name, "=\"", value,
                                                     "\" is not an integer >= ", min));
    }
    return std::optional<int>(parsed);
  }
  return std::optional<int>();
}

}  // namespace

absl::StatusOr<LaunchEnv> ReadLaunchEnv(GetEnvFn getenv_fn) {
  GetEnvFn env = getenv_fn != nullptr ? getenv_fn : [](const char* n) -> const char* {
    return std::getenv(n);
  };
  LaunchEnv out;
  out.under_mpirun = env("OMPI_COMM_WORLD_SIZE") != nullptr;
  auto size = ReadInt(env, {"SYNCLINE_WORLD_SIZE", "OMPI_COMM_WORLD_SIZE"}, 1);
  if (!size.ok()) return size.status();
  auto rank = ReadInt(env, {"SYNCLINE_RANK", "OMPI_COMM_WORLD_RANK"}, 0);
  if (!rank.ok()) return rank.status();
  auto local = ReadInt(env, {"SYNCLINE_LOCAL_RANK", "OMPI_COMM_WORLD_LOCAL_RANK"}, 0);
  if (!local.ok()) return local.status();
  out.world_size = size->value_or(1);
  out.rank = rank->value_or(0);
  out.local_rank = local->value_or(0);
  if (out.rank >= out.world_size) {
    return absl::InvalidArgumentError(absl::StrCat("launch environment: rank ", out.rank,
                                                   " is not below world size ", out.world_size));
  }
  if (const char* addr = env("SYNCLINE_STORE_ADDR")) out.store_addr = addr;
  return out;
}

}  // namespace syncline::comm
