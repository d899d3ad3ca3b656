// A fake in-process world for compression tests: P ranks as P threads that
// meet at a generation barrier for every collective. Reductions sum in rank
// order, so every rank gets bit-identical results. Test-only; the real
// threaded backend is comm/local.
#pragma once

#include <condition_variable>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "comm/backend.h"
#include "comm/communicator.h"

namespace syncline::comm::testing {

class FakeGroup {
 public:
  explicit FakeGroup(int size) : size_(size), slots_(size), counts_(size) {}
  int size() const { return size_; }
  // Publishes this rank's buffer, waits for all, runs `read` (all buffers
  // visible), then waits again so no buffer is released early.
  void Exchange(int rank, const void* data, int64_t count,
                const std::function<void(const std::vector<const void*>&,
                                         const std::vector<int64_t>&)>& read) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      slots_[rank] = data;
      counts_[rank] = count;
    }
    Barrier();
    read(slots_, counts_);
    Barrier();
  }

 private:
  void Barrier() {
    std::unique_lock<std::mutex> lock(mu_);
    const int64_t generation = generation_;
    if (++arrived_ == size_) {
      arrived_ = 0;
      ++generation_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return generation_ != generation; });
    }
  }

  int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  int64_t generation_ = 0;
  std::vector<const void*> slots_;
  std::vector<int64_t> counts_;
};

class DoneWork : public Work {
 public:
  absl::Status Wait() override { return absl::OkStatus(); }
  bool IsCompleted() override { return true; }
};

class FakeBackend : public Backend {
 public:
  FakeBackend(FakeGroup* group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_->size(); }
  std::string name() const override { return "fake"; }

  std::unique_ptr<Work> Allreduce(float* data, int64_t count, const AllreduceOptions&) override {
    std::vector<float> sum(count, 0.0f);
    group_->Exchange(rank_, data, count, [&](const auto& slots, const auto&) {
      for (const void* s : slots) {
        const float* f = static_cast<const float*>(s);
        for (int64_t i = 0; i < count; ++i) sum[i] += f[i];
      }
    });
    std::memcpy(data, sum.data(), count * sizeof(float));
    return std::make_unique<DoneWork>();
  }
  std::unique_ptr<Work> Broadcast(void* data, int64_t bytes, const BroadcastOptions& o) override {
    std::vector<uint8_t> copy(bytes);
    group_->Exchange(rank_, data, bytes, [&](const auto& slots, const auto&) {
      std::memcpy(copy.data(), slots[o.root], bytes);
    });
    std::memcpy(data, copy.data(), bytes);
    return std::make_unique<DoneWork>();
  }
  std::unique_ptr<Work> Allgather(const float* in, int64_t count, float* out,
                                  const AllgatherOptions&) override {
    group_->Exchange(rank_, in, count, [&](const auto& slots, const auto&) {
      for (size_t r = 0; r < slots.size(); ++r) {
        std::memcpy(out + r * count, slots[r], count * sizeof(float));
      }
    });
    return std::make_unique<DoneWork>();
  }
  std::unique_ptr<Work> Allgatherv(const void* in, int64_t bytes,
                                   std::vector<std::vector<uint8_t>>* out,
                                   const AllgatherOptions&) override {
    group_->Exchange(rank_, in, bytes, [&](const auto& slots, const auto& counts) {
      out->assign(slots.size(), {});
      for (size_t r = 0; r < slots.size(); ++r) {
        const uint8_t* p = static_cast<const uint8_t*>(slots[r]);
        (*out)[r].assign(p, p + counts[r]);
      }
    });
    return std::make_unique<DoneWork>();
  }
  std::unique_ptr<Work> ReduceScatter(const float* in, float* out, int64_t count,
                                      const ReduceScatterOptions&) override {
    group_->Exchange(rank_, in, count, [&](const auto& slots, const auto&) {
      std::memset(out, 0, count * sizeof(float));
      for (const void* s : slots) {
        const float* f = static_cast<const float*>(s) + rank_ * count;
        for (int64_t i = 0; i < count; ++i) out[i] += f[i];
      }
    });
    return std::make_unique<DoneWork>();
  }
  std::unique_ptr<Work> Barrier(const BarrierOptions&) override {
    group_->Exchange(rank_, nullptr, 0, [](const auto&, const auto&) {});
    return std::make_unique<DoneWork>();
  }

 private:
  FakeGroup* group_;
  int rank_;
};

// Runs fn(comm) on `size` threads, one Communicator each, and joins them.
inline void RunFakeWorld(int size, const std::function<void(Communicator&)>& fn) {
  FakeGroup group(size);
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      Communicator comm(std::make_unique<FakeBackend>(&group, r));
      fn(comm);
    });
  }
  for (std::thread& t : threads) t.join();
}

}  // namespace syncline::comm::testing
