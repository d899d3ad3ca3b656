// A federated test bench: a config in a TempDir and real `syncline`
// fed-server / fed-client processes on a free loopback port.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "process.h"
#include "tests/support/temp_dir.h"

namespace syncline::federated::testing {

// Small synthetic task: a 3-client IID split, tiny MLP, rounds of a few ms.
inline constexpr char kBaseConfig[] = R"(
name: "fedtest"
model { name: "mlp" hidden_sizes: 16 }
data { name: "synthetic" synthetic_train_size: 600 synthetic_test_size: 200 }
optimizer { name: "sgd" lr: 0.1 momentum: 0 }
train { seed: 1 threads: 1 }
federated {
  rounds: 3 min_clients: 2 wait_for_clients: 3 num_clients: 3 fraction: 1.0 partition: "iid"
  local_epochs: 1 local_batch: 32 local_lr: 0.1
  round_timeout_s: 20 client_timeout_s: 2 join_timeout_s: 30
}
server { token: "t0k3n" }
)";

class FedBench : public ::testing::Test {
 protected:
  FedBench() : port_(FreePort()) {
    WriteFile(config_path(), kBaseConfig);
    address_ = "127.0.0.1:" + std::to_string(port_);
  }
  std::string config_path() const { return dir_.File("fed.textproto"); }
  std::string metrics_path() const { return dir_.File("metrics.jsonl"); }
  std::string server_log() const { return dir_.File("server.log"); }
  std::string client_log(int id) const { return dir_.File("client" + std::to_string(id) + ".log"); }

  std::unique_ptr<Process> StartServer(const std::vector<std::string>& sets, bool resume = false) {
    std::vector<std::string> argv = {SYNCLINE_BINARY, "fed-server", "--config", config_path(),
                                     "--metrics", metrics_path(), "--set",
                                     "server.address=" + address_};
    for (const auto& s : sets) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    if (resume) argv.push_back("--resume");
    return std::make_unique<Process>(argv, server_log());
  }

  std::unique_ptr<Process> StartClient(int id, const std::vector<std::string>& sets) {
    std::vector<std::string> argv = {SYNCLINE_BINARY, "fed-client", "--config", config_path(),
                                     "--client-id", std::to_string(id), "--server", address_,
                                     "--reconnect-timeout", "30"};
    for (const auto& s : sets) {
      argv.push_back("--set");
      argv.push_back(s);
    }
    return std::make_unique<Process>(argv, client_log(id));
  }

  // Server + clients 0..n-1 with the same overrides; returns the server's exit code.
  int RunAll(int n, const std::vector<std::string>& sets, double timeout_s = 60) {
    auto server = StartServer(sets);
    std::vector<std::unique_ptr<Process>> clients;
    for (int i = 0; i < n; ++i) clients.push_back(StartClient(i, sets));
    const int rc = server->Wait(timeout_s);
    for (int i = 0; i < n; ++i) EXPECT_EQ(clients[i]->Wait(15), 0) << ReadFile(client_log(i));
    return rc;
  }

  std::string FinalHash() {
    auto finals = MetricLines(metrics_path(), "final");
    return finals.empty() ? "" : JsonField(finals.back(), "model_hash");
  }

  syncline::testing::TempDir dir_;
  int port_;
  std::string address_;
};

}  // namespace syncline::federated::testing
