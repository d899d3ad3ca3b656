// A minimal in-process communicator for optimizer tests: N ranks as N
// threads sharing one ThreadGroup. Allreduce sums in rank order (so every rank
// gets bit-identical results) and Broadcast copies the root's bytes. Other
// collectives are not needed here and return Unimplemented.
// (The comm helper's comm/local backend replaces this once it lands.)
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

namespace syncline::optim::testing {

class DoneWork : public comm::Work {
 public:
  explicit DoneWork(absl::Status s) : status_(std::move(s)) {}
  absl::Status Wait() override { return status_; }
  bool IsCompleted() override { return true; }

 private:
  absl::Status status_;
};

class ThreadGroup {
 public:
  explicit ThreadGroup(int size) : size_(size), inputs_(size) {}
  int size() const { return size_; }

  // Every rank passes its buffer; `combine` (run once, by the last arrival)
  // fills result_ from inputs_; then each rank copies result_ back.
  void Collective(int rank, void* data, size_t bytes,
                  const std::function<void(const std::vector<void*>&, std::vector<char>*)>& combine) {
    std::unique_lock<std::mutex> lock(mu_);
    inputs_[rank] = data;
    const int64_t gen = gen_;
    if (++arrived_ == size_) {
      combine(inputs_, &result_);
      arrived_ = 0;
      ++gen_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return gen_ != gen; });
    }
    std::memcpy(data, result_.data(), bytes);
    // Second barrier: nobody starts the next collective before all have copied.
    const int64_t dgen = depart_gen_;
    if (++departed_ == size_) {
      departed_ = 0;
      ++depart_gen_;
      cv_.notify_all();
    } else {
      cv_.wait(lock, [&] { return depart_gen_ != dgen; });
    }
  }

 private:
  int size_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<void*> inputs_;
  std::vector<char> result_;
  int arrived_ = 0, departed_ = 0;
  int64_t gen_ = 0, depart_gen_ = 0;
};

class ThreadBackend : public comm::Backend {
 public:
  ThreadBackend(ThreadGroup* group, int rank) : group_(group), rank_(rank) {}
  int rank() const override { return rank_; }
  int size() const override { return group_->size(); }
  std::string name() const override { return "test-threads"; }

  std::unique_ptr<comm::Work> Allreduce(float* data, int64_t count,
                                        const comm::AllreduceOptions& o) override {
    const int n = size();
    group_->Collective(rank_, data, count * sizeof(float),
                       [&](const std::vector<void*>& in, std::vector<char>* out) {
                         out->assign(count * sizeof(float), 0);
                         float* r = reinterpret_cast<float*>(out->data());
                         for (int64_t i = 0; i < count; ++i) {
                           float acc = static_cast<const float*>(in[0])[i];
                           for (int k = 1; k < n; ++k) acc += static_cast<const float*>(in[k])[i];
                           r[i] = o.op == comm::ReduceOp::kAvg ? acc / n : acc;
                         }
                       });
    const bool ok = o.op == comm::ReduceOp::kSum || o.op == comm::ReduceOp::kAvg;
    return std::make_unique<DoneWork>(ok ? absl::OkStatus() : absl::UnimplementedError("op"));
  }
  std::unique_ptr<comm::Work> Broadcast(void* data, int64_t bytes,
                                        const comm::BroadcastOptions& o) override {
    group_->Collective(rank_, data, bytes, [&](const std::vector<void*>& in, std::vector<char>* out) {
      const char* src = static_cast<const char*>(in[o.root]);
      out->assign(src, src + bytes);
    });
    return std::make_unique<DoneWork>(absl::OkStatus());
  }
  std::unique_ptr<comm::Work> Allgather(const float*, int64_t, float*, const comm::AllgatherOptions&) override {
    return std::make_unique<DoneWork>(absl::UnimplementedError("allgather"));
  }
  std::unique_ptr<comm::Work> Allgatherv(const void*, int64_t, std::vector<std::vector<uint8_t>>*,
                                         const comm::AllgatherOptions&) override {
    return std::make_unique<DoneWork>(absl::UnimplementedError("allgatherv"));
  }
  std::unique_ptr<comm::Work> ReduceScatter(const float*, float*, int64_t,
                                            const comm::ReduceScatterOptions&) override {
    return std::make_unique<DoneWork>(absl::UnimplementedError("reduce_scatter"));
  }
  std::unique_ptr<comm::Work> Barrier(const comm::BarrierOptions&) override {
    return std::make_unique<DoneWork>(absl::OkStatus());
  }

 private:
  ThreadGroup* group_;
  int rank_;
};

// Runs fn(rank, communicator) on `size` threads and joins them.
inline void RunRanks(int size, const std::function<void(int, comm::Communicator*)>& fn) {
  ThreadGroup group(size);
  std::vector<std::thread> threads;
  for (int r = 0; r < size; ++r) {
    threads.emplace_back([&, r] {
      comm::Communicator c(std::make_unique<ThreadBackend>(&group, r));
      fn(r, &c);
    });
  }
  for (auto& t : threads) t.join();
}

}  // namespace syncline::optim::testing
