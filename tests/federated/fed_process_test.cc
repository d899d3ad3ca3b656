// Server and clients as real processes on loopback (issue 6 item 6).
#include <signal.h>

#include <cstdio>
#include <filesystem>

#include "harness.h"

namespace syncline::federated::testing {
namespace {

TEST_F(FedBench, RoundTripLearns) {
  ASSERT_EQ(RunAll(3, {}), 0) << ReadFile(server_log());
  auto rounds = MetricLines(metrics_path(), "round");
  ASSERT_EQ(rounds.size(), 3u) << ReadFile(server_log());
  for (const auto& r : rounds) EXPECT_EQ(JsonField(r, "clients_answered"), "3") << r;
  EXPECT_GT(std::stod(JsonField(rounds.back(), "test_accuracy")), 0.5) << rounds.back();
  EXPECT_FALSE(FinalHash().empty());
}

// fal.md section 7: epsilon = 0 is bit-identical to FedAvg, RNG streams included.
TEST_F(FedBench, FalWithZeroEpsilonEqualsFedAvg) {
  ASSERT_EQ(RunAll(3, {"federated.rounds=2"}), 0) << ReadFile(server_log());
  const std::string fedavg = FinalHash();
  std::filesystem::remove(metrics_path());
  ASSERT_EQ(RunAll(3, {"federated.rounds=2", "federated.fal=true", "federated.fal_epsilon=0"}), 0)
      << ReadFile(server_log());
  EXPECT_EQ(FinalHash(), fedavg);
  auto rounds = MetricLines(metrics_path(), "round");
  ASSERT_FALSE(rounds.empty());
  EXPECT_FALSE(JsonField(rounds.back(), "robust_accuracy").empty());
  // And a non-zero epsilon really changes training.
  std::filesystem::remove(metrics_path());
  ASSERT_EQ(RunAll(3, {"federated.rounds=2", "federated.fal=true", "federated.fal_epsilon=0.1",
                       "federated.fal_train_steps=3", "federated.fal_eval_steps=3"}),
            0);
  EXPECT_NE(FinalHash(), fedavg);
}

// Slow local training (many steps) so a kill lands inside round 1 even on an idle machine
// (400 steps finished before the SIGKILL arrived there).
const std::vector<std::string> kSlowRounds = {"federated.rounds=3", "federated.local_steps=3000",
                                              "federated.local_epochs=0"};

TEST_F(FedBench, ClientKilledMidRoundDoesNotStopTheRound) {
  auto server = StartServer(kSlowRounds);
  std::vector<std::unique_ptr<Process>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(StartClient(i, kSlowRounds));
  ASSERT_TRUE(WaitForText(client_log(2), "round 1 training", 30)) << ReadFile(client_log(2));
  clients[2]->Signal(SIGKILL);
  EXPECT_EQ(clients[2]->Wait(5), 128 + SIGKILL);
  ASSERT_EQ(server->Wait(60), 0) << ReadFile(server_log());
  for (int i = 0; i < 2; ++i) EXPECT_EQ(clients[i]->Wait(15), 0) << ReadFile(client_log(i));
  auto rounds = MetricLines(metrics_path(), "round");
  ASSERT_EQ(rounds.size(), 3u);
  EXPECT_EQ(JsonField(rounds[0], "clients_answered"), "3") << rounds[0];
  EXPECT_EQ(JsonField(rounds[1], "clients_answered"), "2") << rounds[1];
  EXPECT_EQ(JsonField(rounds[2], "clients_answered"), "2") << rounds[2];
  EXPECT_NE(ReadFile(server_log()).find("round 1: no update from clients [2]"), std::string::npos);
}

TEST_F(FedBench, KilledClientRestartsAndRejoins) {
  auto server = StartServer(kSlowRounds);
  std::vector<std::unique_ptr<Process>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(StartClient(i, kSlowRounds));
  ASSERT_TRUE(WaitForText(client_log(2), "round 1 training", 30)) << ReadFile(client_log(2));
  clients[2]->Signal(SIGKILL);
  EXPECT_EQ(clients[2]->Wait(5), 128 + SIGKILL);
  clients[2] = StartClient(2, kSlowRounds);  // same id, fresh process
  ASSERT_EQ(server->Wait(60), 0) << ReadFile(server_log());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(clients[i]->Wait(15), 0) << ReadFile(client_log(i));
  const std::string log = ReadFile(server_log());
  const size_t first = log.find("client 2 joined");
  ASSERT_NE(first, std::string::npos);
  EXPECT_NE(log.find("client 2 joined", first + 1), std::string::npos) << log;
  auto rounds = MetricLines(metrics_path(), "round");
  ASSERT_EQ(rounds.size(), 3u);
  EXPECT_EQ(JsonField(rounds[2], "clients_answered"), "3") << log;
}

TEST_F(FedBench, WrongOrMissingTokenIsRefused) {
  auto server = StartServer({});
  auto wrong = StartClient(0, {"server.token=guess"});
  auto missing = StartClient(1, {"server.token="});
  EXPECT_EQ(wrong->Wait(20), 1);
  EXPECT_EQ(missing->Wait(20), 1);
  EXPECT_NE(ReadFile(client_log(0)).find("refused"), std::string::npos) << ReadFile(client_log(0));
  const std::string log = ReadFile(server_log());
  EXPECT_NE(log.find("refused join from client 0"), std::string::npos) << log;
  EXPECT_NE(log.find("wrong token"), std::string::npos) << log;
  EXPECT_NE(log.find("missing token"), std::string::npos) << log;
  // Graceful shutdown while waiting for clients.
  server->Signal(SIGTERM);
  EXPECT_EQ(server->Wait(10), 0) << ReadFile(server_log());
  EXPECT_TRUE(MetricLines(metrics_path(), "round").empty());
}

// Server killed after round 1 and resumed == uninterrupted run.
TEST_F(FedBench, ResumedServerMatchesUninterruptedRun) {
  const std::vector<std::string> sets = {"federated.rounds=4", "federated.min_clients=3",
                                         "federated.local_steps=200", "federated.local_epochs=0",
                                         "federated.strategy=fedhyper_g",
                                         "checkpoint.dir=" + dir_.File("ckpt")};
  ASSERT_EQ(RunAll(3, sets), 0) << ReadFile(server_log());
  const std::string uninterrupted = FinalHash();
  ASSERT_FALSE(uninterrupted.empty());
  std::filesystem::remove_all(dir_.File("ckpt"));
  std::filesystem::remove(metrics_path());

  auto server = StartServer(sets);
  std::vector<std::unique_ptr<Process>> clients;
  for (int i = 0; i < 3; ++i) clients.push_back(StartClient(i, sets));
  ASSERT_TRUE(WaitForText(metrics_path(), "\"round\":1,", 30)) << ReadFile(server_log());
  server->Signal(SIGKILL);
  EXPECT_EQ(server->Wait(5), 128 + SIGKILL);
  server = StartServer(sets, /*resume=*/true);
  ASSERT_EQ(server->Wait(60), 0) << ReadFile(server_log());
  for (auto& c : clients) EXPECT_EQ(c->Wait(15), 0);
  EXPECT_EQ(FinalHash(), uninterrupted) << ReadFile(server_log());
  EXPECT_NE(ReadFile(server_log()).find("resumed from"), std::string::npos);
}

}  // namespace
}  // namespace syncline::federated::testing
