#include "federated/coordinator.h"

#include <chrono>

#include "absl/strings/str_cat.h"

namespace syncline::federated {

Coordinator::Coordinator(int num_clients, absl::Duration client_timeout)
    : num_clients_(num_clients), client_timeout_(client_timeout), clients_(num_clients) {}

void Coordinator::Join(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_[id].joined = true;
  clients_[id].last_seen = absl::Now();
  cv_.notify_all();
}

void Coordinator::Leave(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  clients_[id].joined = false;
  cv_.notify_all();
}

bool Coordinator::Touch(int id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!clients_[id].joined) return false;
  clients_[id].last_seen = absl::Now();
  if (done_) {  // the heartbeat reply carries done: this client has heard it
    clients_[id].told_done = true;
    cv_.notify_all();
  }
  return true;
}

proto::Task::Kind Coordinator::Fetch(int id, absl::Duration wait,
                                     std::shared_ptr<const std::string>* task) {
  std::unique_lock<std::mutex> lock(mu_);
  const absl::Time deadline = absl::Now() + wait;
  while (true) {
    clients_[id].last_seen = absl::Now();
    if (done_) {
      clients_[id].told_done = true;
      cv_.notify_all();
      return proto::Task::DONE;
    }
    if (round_open_ && sampled_.count(id) && !answers_.count(id)) {
      *task = task_;
      return proto::Task::TRAIN;
    }
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) return proto::Task::WAIT;
    cv_.wait_for(lock, absl::ToChronoMilliseconds(std::min(left, absl::Milliseconds(100))));
  }
}

absl::Status Coordinator::Submit(ClientUpdate update) {
  std::lock_guard<std::mutex> lock(mu_);
  const int id = update.client_id;
  clients_[id].last_seen = absl::Now();
  if (!round_open_) return absl::FailedPreconditionError("no round is open");
  if (!sampled_.count(id)) {
    return absl::FailedPreconditionError(
        absl::StrCat("client ", id, " is not sampled in round ", round_));
  }
  if (answers_.count(id)) {
    return absl::AlreadyExistsError(absl::StrCat("client ", id, " already answered round ", round_));
  }
  answers_.emplace(id, std::move(update));
  cv_.notify_all();
  return absl::OkStatus();
}

int Coordinator::open_round() const {
  std::lock_guard<std::mutex> lock(mu_);
  return round_open_ ? round_ : -1;
}

bool Coordinator::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

bool Coordinator::AliveLocked(int id, absl::Time now) const {
  return clients_[id].joined && now - clients_[id].last_seen <= client_timeout_;
}

int Coordinator::CountAlive() {
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = absl::Now();
  int n = 0;
  for (int i = 0; i < num_clients_; ++i) n += AliveLocked(i, now) ? 1 : 0;
  return n;
}

bool Coordinator::WaitForClients(int n, absl::Time deadline, const std::atomic<bool>& stop) {
  while (!stop.load()) {
    if (CountAlive() >= n) return true;
    if (absl::Now() >= deadline) return false;
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  return false;
}

void Coordinator::OpenRound(int round, const std::vector<int>& sampled,
                            std::shared_ptr<const std::string> task) {
  std::lock_guard<std::mutex> lock(mu_);
  round_ = round;
  round_open_ = true;
  sampled_ = std::set<int>(sampled.begin(), sampled.end());
  answers_.clear();
  task_ = std::move(task);
  cv_.notify_all();
}

bool Coordinator::RoundCompleteLocked(absl::Time now) const {
  for (int id : sampled_) {
    if (!answers_.count(id) && AliveLocked(id, now)) return false;
  }
  return true;
}

std::vector<ClientUpdate> Coordinator::CollectRound(absl::Time deadline,
                                                    const std::atomic<bool>& stop,
                                                    std::vector<int>* missing) {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop.load() && absl::Now() < deadline && !RoundCompleteLocked(absl::Now())) {
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
  round_open_ = false;
  task_.reset();
  std::vector<ClientUpdate> out;
  missing->clear();
  for (int id : sampled_) {
    auto it = answers_.find(id);
    if (it == answers_.end()) {
      missing->push_back(id);
    } else {
      out.push_back(std::move(it->second));
    }
  }
  answers_.clear();
  return out;
}

void Coordinator::Finish(absl::Duration wait) {
  std::unique_lock<std::mutex> lock(mu_);
  done_ = true;
  round_open_ = false;
  cv_.notify_all();
  const absl::Time deadline = absl::Now() + wait;
  while (absl::Now() < deadline) {
    bool all = true;
    const absl::Time now = absl::Now();
    for (int i = 0; i < num_clients_; ++i) {
      if (AliveLocked(i, now) && !clients_[i].told_done) all = false;
    }
    if (all) return;
    cv_.wait_for(lock, std::chrono::milliseconds(100));
  }
}

}  // namespace syncline::federated
