// Communicator: the user-facing handle on a group of ranks. Forwards to a
// Backend, numbers every collective, counts bytes, and adds the rank and
// collective to error messages.
//
// All functions on this class are expected to be called in the same order
// across processes in the group. Not thread-safe: one thread issues
// collectives (Work handles may be waited on from that thread).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "comm/backend.h"

namespace syncline::comm {

class Communicator {
 public:
  explicit Communicator(std::unique_ptr<Backend> backend);

  int rank() const { return backend_->rank(); }
  int size() const { return backend_->size(); }
  const std::string& backend_name() const { return backend_name_; }

  // Asynchronous collectives (see Backend for semantics).
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
  Backend& backend() { return *backend_; }

 private:
  absl::Status Annotate(absl::Status status, const char* op, const std::string& tag);

  std::unique_ptr<Backend> backend_;
  std::string backend_name_;
  int64_t sequence_ = 0;
  int64_t bytes_sent_ = 0;
};

}  // namespace syncline::comm
