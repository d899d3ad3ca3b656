#include "comm/launch_env.h"

#include <map>
#include <string>

#include "gtest/gtest.h"

namespace syncline::comm {
namespace {

std::map<std::string, std::string>* g_env = nullptr;
const char* FakeGetEnv(const char* name) {
  auto it = g_env->find(name);
  return it == g_env->end() ? nullptr : it->second.c_str();
}

absl::StatusOr<LaunchEnv> Read(std::map<std::string, std::string> env) {
  g_env = &env;
  auto out = ReadLaunchEnv(&FakeGetEnv);
  g_env = nullptr;
  return out;
}

TEST(LaunchEnv, DefaultsToOneRank) {
  auto env = Read({});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->rank, 0);
  EXPECT_EQ(env->world_size, 1);
  EXPECT_FALSE(env->under_mpirun);
}

TEST(LaunchEnv, ReadsOpenMpiAndPrefersSynclineVariables) {
  auto env = Read({{"OMPI_COMM_WORLD_SIZE", "4"}, {"OMPI_COMM_WORLD_RANK", "3"},
                   {"OMPI_COMM_WORLD_LOCAL_RANK", "1"}});
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->world_size, 4);
  EXPECT_EQ(env->rank, 3);
  EXPECT_EQ(env->local_rank, 1);
  EXPECT_TRUE(env->under_mpirun);
  env = Read({{"OMPI_COMM_WORLD_SIZE", "4"}, {"SYNCLINE_WORLD_SIZE", "2"}, {"SYNCLINE_RANK", "1"}});
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->world_size, 2);
}

TEST(LaunchEnv, RejectsPartlyParsedValues) {
  for (const char* bad : {"2x", "", "true", "-1", " 3", "99999999999"}) {
    auto env = Read({{"SYNCLINE_WORLD_SIZE", bad}});
    ASSERT_FALSE(env.ok()) << bad;
    EXPECT_NE(env.status().message().find("SYNCLINE_WORLD_SIZE"), std::string::npos);
  }
  EXPECT_FALSE(Read({{"SYNCLINE_WORLD_SIZE", "2"}, {"SYNCLINE_RANK", "2"}}).ok());
}

}  // namespace
}  // namespace syncline::comm
