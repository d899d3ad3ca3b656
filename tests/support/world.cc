#include "tests/support/world.h"

#include <memory>
#include <string>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "comm/local/local_backend.h"

namespace syncline::testing {

std::vector<absl::Status> RunWorldStatuses(int n, const RankFn& fn) {
  std::vector<std::unique_ptr<comm::Backend>> backends = comm::LocalBackend::CreateWorld(n);
  std::vector<std::unique_ptr<comm::Communicator>> comms;
  comm::CommunicatorOptions options;
  options.check_collectives = true;
  for (auto& b : backends) comms.push_back(std::make_unique<comm::Communicator>(std::move(b), options));
  std::vector<absl::Status> statuses(n);
  std::vector<std::thread> threads;
  for (int r = 0; r < n; ++r) {
    threads.emplace_back([&, r] { statuses[r] = fn(*comms[r], r); });
  }
  for (auto& t : threads) t.join();
  return statuses;
}

absl::Status RunWorld(int n, const RankFn& fn) {
  std::vector<absl::Status> statuses = RunWorldStatuses(n, fn);
  std::string failures;
  absl::StatusCode code = absl::StatusCode::kOk;
  for (int r = 0; r < n; ++r) {
    if (statuses[r].ok()) continue;
    if (code == absl::StatusCode::kOk) code = statuses[r].code();
    absl::StrAppend(&failures, failures.empty() ? "" : "; ", "rank ", r, ": ",
                    statuses[r].ToString());
  }
  if (code == absl::StatusCode::kOk) return absl::OkStatus();
  return absl::Status(code, failures);
}

}  // namespace syncline::testing
