#include "comm/communicator.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace syncline::comm {

Communicator::Communicator(std::unique_ptr<Backend> backend)
    : backend_(std::move(backend)), backend_name_(backend_->name()) {}

absl::Status Communicator::Annotate(absl::Status status, const char* op, const std::string& tag) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat("rank ", rank(), ": ", op, " #", sequence_,
                                                  tag.empty() ? "" : absl::StrCat(" \"", tag, "\""),
                                                  ": ", status.message()));
}

std::unique_ptr<Work> Communicator::AllreduceAsync(float* data, int64_t count,
                                                   const AllreduceOptions& o) {
  ++sequence_;
  if (size() > 1) bytes_sent_ += count * static_cast<int64_t>(sizeof(float));
  return backend_->Allreduce(data, count, o);
}

absl::Status Communicator::Allreduce(float* data, int64_t count, const AllreduceOptions& o) {
  auto work = AllreduceAsync(data, count, o);
  return Annotate(work->Wait(), "allreduce", o.tag);
}

absl::Status Communicator::Broadcast(void* data, int64_t bytes, const BroadcastOptions& o) {
  ++sequence_;
  if (size() > 1 && rank() == o.root) bytes_sent_ += bytes;
  return Annotate(backend_->Broadcast(data, bytes, o)->Wait(), "broadcast", o.tag);
}

absl::Status Communicator::Allgather(const float* in, int64_t count, float* out,
                                     const AllgatherOptions& o) {
  ++sequence_;
  if (size() > 1) bytes_sent_ += count * static_cast<int64_t>(sizeof(float));
  return Annotate(backend_->Allgather(in, count, out, o)->Wait(), "allgather", o.tag);
}

absl::Status Communicator::Allgatherv(const void* in, int64_t bytes,
                                      std::vector<std::vector<uint8_t>>* out,
                                      const AllgatherOptions& o) {
  ++sequence_;
  if (size() > 1) bytes_sent_ += bytes;
  return Annotate(backend_->Allgatherv(in, bytes, out, o)->Wait(), "allgatherv", o.tag);
}

absl::Status Communicator::ReduceScatter(const float* in, float* out, int64_t count,
                                         const ReduceScatterOptions& o) {
  ++sequence_;
  if (size() > 1) bytes_sent_ += count * size() * static_cast<int64_t>(sizeof(float));
  return Annotate(backend_->ReduceScatter(in, out, count, o)->Wait(), "reduce_scatter", o.tag);
}

absl::Status Communicator::Barrier(const BarrierOptions& o) {
  ++sequence_;
  return Annotate(backend_->Barrier(o)->Wait(), "barrier", "");
}

}  // namespace syncline::comm
