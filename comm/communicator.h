// Communicator: the user-facing handle on a group of ranks. Forwards to a
// Backend, numbers every collective, counts bytes, and adds the rank and
// collective to error messages.
//
// All functions on this class are expected to be called in the same order,
// with matching sizes, across processes in the group. Every call is bounded
// by its options' timeout: the worst case is DeadlineExceeded (or Unavailable
// when the backend knows a peer is gone), never a hang.
//
// Checking mode (CommunicatorOptions::check_collectives, on in tests and
// debug runs) first exchanges a fingerprint of each collective (sequence
// number, kind, reduce op or root, element count) and fails with
// InvalidArgument naming both ranks when they disagree, instead of letting a
// backend hang or reduce garbage. It costs one small allgather per call.
//
// Not thread-safe: one thread issues collectives; Work handles may be waited
// on from that thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "comm/backend.h"
#include "comm/reduce_op.h"

namespace syncline::comm {

struct CommunicatorOptions {
  bool check_collectives = false;
};

class Communicator {
 public:
  explicit Communicator(std::unique_ptr<Backend> backend, CommunicatorOptions options = {});

  int rank() const { return backend_->rank(); }
  int size() const { return backend_->size(); }
  const std::string& backend_name() const { return backend_name_; }
  bool checking() const { return options_.check_collectives; }

  // Asynchronous allreduce (see Backend); the Work's errors carry the rank,
  // sequence number and tag. `data` must stay untouched until Wait returns.
  std::unique_ptr<Work> AllreduceAsync(float* data, int64_t count, const AllreduceOptions& o = {});
  // Synchronous forms: issue and wait; errors name this rank and the collective.
  absl::Status Allreduce(float* data, int64_t count, const AllreduceOptions& o = {});
  absl::Status Broadcast(void* data, int64_t bytes, const BroadcastOptions& o = {});
  absl::Status Allgather(const float* in, int64_t count, float* out, const AllgatherOptions& o = {});
  absl::Status Allgatherv(const void* in, int64_t bytes, std::vector<std::vector<uint8_t>>* out,
                          const AllgatherOptions& o = {});
  absl::Status ReduceScatter(const float* in, float* out, int64_t count,
                             const ReduceScatterOptions& o = {});
  absl::Status Barrier(const BarrierOptions& o = {});

  // Bytes this rank has put on the wire (payload it contributed), cumulative.
  int64_t bytes_sent() const { return bytes_sent_; }
  void AddBytesSent(int64_t bytes) { bytes_sent_ += bytes; }
  // Number of collectives issued so far (checking exchanges not counted).
  int64_t sequence() const { return sequence_; }
  Backend& backend() { return *backend_; }

 private:
  // Starts collective number ++sequence_; in checking mode compares `fp`
  // across ranks first.
  absl::Status Begin(CollectiveKind kind, int64_t op, int64_t count, absl::Duration timeout);
  absl::Status Annotate(absl::Status status, CollectiveKind kind, const std::string& tag) const;

  std::unique_ptr<Backend> backend_;
  std::string backend_name_;
  CommunicatorOptions options_;
  int64_t sequence_ = 0;
  int64_t bytes_sent_ = 0;
};

}  // namespace syncline::comm
