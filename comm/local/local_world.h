// LocalWorld: the shared in-memory rendezvous of N ranks that live as threads
// in one process (tests, single-machine runs). Each collective number `seq`
// gets a Slot where ranks publish their buffers and meet at numbered phases.
// Thread-safe.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "comm/reduce_op.h"

namespace syncline::comm {

class LocalWorld {
 public:
  explicit LocalWorld(int size) : size_(size) {}
  int size() const { return size_; }

  struct Slot {
    explicit Slot(int n) : in(n), out(n), bytes(n), fp(n), phase_of(n, -1) {}
    std::mutex mu;
    std::condition_variable cv;
    std::vector<const void*> in;
    std::vector<void*> out;
    std::vector<int64_t> bytes;
    std::vector<Fingerprint> fp;
    std::vector<int> phase_of;  // highest phase each rank has reached
    std::vector<float> result;  // allreduce scratch, sized at phase 0
    int leaving = 0;
  };

  // The slot of collective `seq` (created by the first rank to ask).
  std::shared_ptr<Slot> Join(int64_t seq);
  // Called by each rank when done with `seq`; the last one frees the slot.
  void Leave(int64_t seq, Slot* slot);

  // Marks `rank` as having reached `phase` and waits until every rank has.
  // Past `deadline`: DeadlineExceeded naming the ranks that never arrived.
  absl::Status Meet(Slot* slot, int rank, int phase, absl::Time deadline);

 private:
  const int size_;
  std::mutex mu_;
  std::map<int64_t, std::shared_ptr<Slot>> slots_;
};

}  // namespace syncline::comm
