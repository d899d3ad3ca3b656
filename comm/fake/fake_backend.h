// FakeBackend: a single-process stand-in for a world of `world_size` ranks,
// for testing the layers above comm/ without threads, sockets or GPUs.
// It talks to nobody; each collective behaves as if every rank had passed the
// same buffer as this one:
//   allreduce sum   -> data * world_size      avg/max/min -> data unchanged
//   broadcast       -> data unchanged          allgather(v) -> input replicated
//   reduce_scatter  -> block rank() of the input, times world_size for sum
//   barrier         -> returns at once
// Handles complete at once. FailNthCall(k, s) makes the k-th call from now
// (1 = the next one) fail with `s`. Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "comm/backend.h"

namespace syncline::comm {

class FakeBackend : public Backend {
 public:
  FakeBackend(int rank, int world_size) : rank_(rank), size_(world_size) {}

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::string name() const override { return "fake"; }

  void FailNthCall(int k, absl::Status status);
  // Number of collectives issued so far.
  int64_t calls() const { return calls_; }

  std::unique_ptr<Work> Allreduce(float* data, int64_t count,
                                  const AllreduceOptions& options) override;
  std::unique_ptr<Work> Broadcast(void* data, int64_t bytes,
                                  const BroadcastOptions& options) override;
  std::unique_ptr<Work> Allgather(const float* in, int64_t count, float* out,
                                  const AllgatherOptions& options) override;
  std::unique_ptr<Work> Allgatherv(const void* in, int64_t bytes,
                                   std::vector<std::vector<uint8_t>>* out,
                                   const AllgatherOptions& options) override;
  std::unique_ptr<Work> ReduceScatter(const float* in, float* out, int64_t count,
                                      const ReduceScatterOptions& options) override;
  std::unique_ptr<Work> Barrier(const BarrierOptions& options) override;

 private:
  // Counts the call; returns the injected failure if this is the one.
  absl::Status NextCall();

  int rank_;
  int size_;
  int64_t calls_ = 0;
  int64_t fail_at_ = -1;
  absl::Status fail_status_;
};

}  // namespace syncline::comm
