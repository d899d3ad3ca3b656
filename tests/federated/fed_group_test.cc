// A fed-client launched as an MPI group (`mpirun -np 2 syncline fed-client`)
// next to a plain client, against a real fed-server on loopback: rounds
// complete, only rank 0 talks and logs, the group's updates equal a single
// process's (the server's per-round test loss matches an all-plain run), and
// the group exits non-zero, never hangs, when the server or a rank dies.
#include <signal.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/str_split.h"
#include "harness.h"

namespace syncline::federated::testing {
namespace {

const std::vector<std::string> kTwoClients = {"federated.num_clients=2", "federated.wait_for_clients=2",
                                              "federated.min_clients=2", "federated.rounds=3"};

class FedGroupTest : public FedBench {
 protected:
  // Client `id` as `np` ranks under mpirun.
  std::unique_ptr<Process> StartGroupClient(int id, int np, const std::vector<std::string>& sets,
                                            const std::string& reconnect = "30") {
    std::vector<std::string> argv = {SYNCLINE_MPIEXEC, "--allow-run-as-root", "--oversubscribe",
                                     "-np", std::to_string(np), SYNCLINE_BINARY, "fed-client",
                                     "--config", config_path(), "--client-id", std::to_string(id),
                                     "--server", address_, "--reconnect-timeout", reconnect};
    for (const auto& s : sets) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    return std::make_unique<Process>(argv, client_log(id));
  }

  // Per-round test losses from the metrics file.
  std::vector<double> TestLosses() {
    std::vector<double> out;
    for (const auto& r : MetricLines(metrics_path(), "round")) out.push_back(std::stod(JsonField(r, "test_loss")));
    return out;
  }
};

size_t Count(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// The pid of rank `rank` among the children of mpirun `parent` (Open MPI 4 forks them itself).
pid_t RankPid(pid_t parent, int rank) {
  for (const auto& task : std::filesystem::directory_iterator("/proc/" + std::to_string(parent) + "/task")) {
    std::ifstream children(task.path() / "children");
    pid_t child;
    while (children >> child) {
      std::string env = ReadFile("/proc/" + std::to_string(child) + "/environ");
      for (auto var : absl::StrSplit(env, '\0')) {
        if (var == "OMPI_COMM_WORLD_RANK=" + std::to_string(rank)) return child;
      }
    }
  }
  return -1;
}

TEST_F(FedGroupTest, GroupClientTrainsLikeASingleProcess) {
  auto server = StartServer(kTwoClients);
  auto group = StartGroupClient(0, 2, kTwoClients);
  auto plain = StartClient(1, kTwoClients);
  ASSERT_EQ(server->Wait(90), 0) << ReadFile(server_log()) << ReadFile(client_log(0));
  EXPECT_EQ(group->Wait(30), 0) << ReadFile(client_log(0));
  EXPECT_EQ(plain->Wait(15), 0) << ReadFile(client_log(1));
  auto rounds = MetricLines(metrics_path(), "round");
  ASSERT_EQ(rounds.size(), 3u) << ReadFile(server_log());
  for (const auto& r : rounds) EXPECT_EQ(JsonField(r, "clients_answered"), "2") << r;
  EXPECT_GT(std::stod(JsonField(rounds.back(), "test_accuracy")), 0.5) << rounds.back();
  // Only rank 0 talks and logs: one start line naming the group, one line per round.
  const std::string log = ReadFile(client_log(0));
  EXPECT_EQ(Count(log, "group of 2 ranks (mpi)"), 1u) << log;
  EXPECT_EQ(Count(log, "round 1 training"), 1u) << log;
  EXPECT_EQ(Count(ReadFile(server_log()), "client 0 joined"), 1u) << ReadFile(server_log());
  const std::vector<double> group_losses = TestLosses();

  // The same federation with client 0 as one process: the same model every round
  // up to float summation order.
  std::filesystem::remove(metrics_path());
  ASSERT_EQ(RunAll(2, kTwoClients), 0) << ReadFile(server_log());
  const std::vector<double> plain_losses = TestLosses();
  ASSERT_EQ(plain_losses.size(), group_losses.size());
  for (size_t r = 0; r < plain_losses.size(); ++r) {
    EXPECT_NEAR(group_losses[r], plain_losses[r], 1e-4 * std::abs(plain_losses[r])) << "round " << r;
  }
  EXPECT_LT(plain_losses.back(), plain_losses.front());
}

// Slow rounds so the failure lands while the federation is running.
const std::vector<std::string> kLongRun = {"federated.num_clients=2", "federated.wait_for_clients=2",
                                           "federated.min_clients=1", "federated.rounds=40",
                                           "federated.local_steps=300", "federated.local_epochs=0"};

TEST_F(FedGroupTest, GroupExitsNonZeroWhenTheServerDies) {
  auto server = StartServer(kLongRun);
  auto group = StartGroupClient(0, 2, kLongRun, /*reconnect=*/"2");
  auto plain = StartClient(1, kLongRun);
  ASSERT_TRUE(WaitForText(client_log(0), "round 1 training", 60)) << ReadFile(client_log(0));
  server->Signal(SIGKILL);
  EXPECT_EQ(server->Wait(5), 128 + SIGKILL);
  const int rc = group->Wait(40);
  const std::string log = ReadFile(client_log(0));
  EXPECT_NE(rc, -1) << "group client still running 40 s after the server died\n" << log;
  EXPECT_NE(rc, 0) << log;
  EXPECT_NE(log.find("unreachable"), std::string::npos) << log;
  EXPECT_NE(log.find("fed-client 0 rank 1: rank 0 stopped"), std::string::npos) << log;
  plain->Signal(SIGTERM);
  plain->Wait(10);
}

TEST_F(FedGroupTest, GroupExitsNonZeroWhenARankDiesAndTheRoundGoesOn) {
  std::vector<std::string> sets = kLongRun;
  sets.push_back("federated.rounds=4");
  auto server = StartServer(sets);
  auto group = StartGroupClient(0, 2, sets);
  auto plain = StartClient(1, sets);
  ASSERT_TRUE(WaitForText(client_log(0), "round 1 training", 60)) << ReadFile(client_log(0));
  const pid_t rank1 = RankPid(group->pid(), 1);
  ASSERT_GT(rank1, 0) << "rank 1 of mpirun " << group->pid() << " not found";
  ASSERT_EQ(kill(rank1, SIGKILL), 0);
  const int rc = group->Wait(40);
  EXPECT_NE(rc, -1) << "group client still running 40 s after rank 1 died\n" << ReadFile(client_log(0));
  EXPECT_NE(rc, 0) << ReadFile(client_log(0));
  // The other client carries the federation to the end.
  EXPECT_EQ(server->Wait(90), 0) << ReadFile(server_log());
  EXPECT_EQ(plain->Wait(15), 0) << ReadFile(client_log(1));
  EXPECT_EQ(MetricLines(metrics_path(), "round").size(), 4u) << ReadFile(server_log());
}

}  // namespace
}  // namespace syncline::federated::testing
