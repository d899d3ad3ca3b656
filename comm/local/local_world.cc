#include "comm/local/local_world.h"

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace syncline::comm {

std::shared_ptr<LocalWorld::Slot> LocalWorld::Join(int64_t seq) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& slot = slots_[seq];
  if (!slot) slot = std::make_shared<Slot>(size_);
  return slot;
}

void LocalWorld::Leave(int64_t seq, Slot* slot) {
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(slot->mu);
    last = ++slot->leaving == size_;
  }
  if (!last) return;
  std::lock_guard<std::mutex> lock(mu_);
  slots_.erase(seq);
}

absl::Status LocalWorld::Meet(Slot* slot, int rank, int phase, absl::Time deadline) {
  std::unique_lock<std::mutex> lock(slot->mu);
  slot->phase_of[rank] = phase;
  slot->cv.notify_all();
  auto all_there = [&] {
    for (int p : slot->phase_of) {
      if (p < phase) return false;
    }
    return true;
  };
  while (!all_there()) {
    const absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      std::vector<int> missing;
      for (int r = 0; r < size_; ++r) {
        if (slot->phase_of[r] < phase) missing.push_back(r);
      }
      return absl::DeadlineExceededError(
          absl::StrCat("timed out waiting for rank(s) ", absl::StrJoin(missing, ", "),
                       " (they never reached this collective)"));
    }
    slot->cv.wait_for(lock, absl::ToChronoNanoseconds(std::min(left, absl::Seconds(1))));
  }
  return absl::OkStatus();
}

}  // namespace syncline::comm
