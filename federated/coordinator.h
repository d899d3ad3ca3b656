// Shared round state between the gRPC handlers and the server's round loop.
//
// Thread-safe. Handlers report joins, liveness and validated updates; the
// round loop opens a round for a sampled set of clients and collects updates
// until every sampled client answered, every missing one is gone (not
// joined, left, or silent longer than client_timeout), or the deadline passed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "federated/aggregate.h"
#include "syncline/federated.pb.h"

namespace syncline::federated {

class Coordinator {
 public:
  Coordinator(int num_clients, absl::Duration client_timeout);

  // --- gRPC handler side ---
  void Join(int client_id);
  void Leave(int client_id);
  // Marks the client alive (and, once finished, as told DONE: every reply to
  // a touching RPC says so); false when it has not joined (it must rejoin).
  bool Touch(int client_id);
  // Long poll: waits up to `wait` for something to do. TRAIN sets *task to
  // the serialized Task of the open round.
  proto::Task::Kind Fetch(int client_id, absl::Duration wait,
                          std::shared_ptr<const std::string>* task);
  // Accepts an already validated update for the open round, once per sampled client.
  absl::Status Submit(ClientUpdate update);
  int open_round() const;
  bool done() const;

  // --- round loop side ---
  int CountAlive();
  // Waits until at least n clients are alive; false on deadline or stop.
  bool WaitForClients(int n, absl::Time deadline, const std::atomic<bool>& stop);
  void OpenRound(int round, const std::vector<int>& sampled,
                 std::shared_ptr<const std::string> task);
  // Blocks until the round can close (see above), closes it, and returns the
  // updates in ascending client id. *missing lists sampled clients that never answered.
  std::vector<ClientUpdate> CollectRound(absl::Time deadline, const std::atomic<bool>& stop,
                                         std::vector<int>* missing);
  // Tells every client the run is over; waits until `wait` passes or all
  // alive clients have fetched DONE.
  void Finish(absl::Duration wait);

 private:
  struct ClientState {
    bool joined = false;
    absl::Time last_seen;
    bool told_done = false;
  };
  bool AliveLocked(int id, absl::Time now) const;
  bool RoundCompleteLocked(absl::Time now) const;

  const int num_clients_;
  const absl::Duration client_timeout_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<ClientState> clients_;
  int round_ = -1;
  bool round_open_ = false;
  bool done_ = false;
  std::set<int> sampled_;
  std::map<int, ClientUpdate> answers_;
  std::shared_ptr<const std::string> task_;
};

}  // namespace syncline::federated
