#include "comm/fake/fake_backend.h"

#include <cstring>
#include <utility>

#include "comm/serial_executor.h"

namespace syncline::comm {

void FakeBackend::FailNthCall(int k, absl::Status status) {
  fail_at_ = calls_ + k;
  fail_status_ = std::move(status);
}

absl::Status FakeBackend::NextCall() {
  ++calls_;
  if (calls_ == fail_at_) return fail_status_;
  return absl::OkStatus();
}

std::unique_ptr<Work> FakeBackend::Allreduce(float* data, int64_t count,
                                             const AllreduceOptions& options) {
  absl::Status status = NextCall();
  if (status.ok() && options.op == ReduceOp::kSum) {
    for (int64_t i = 0; i < count; ++i) data[i] *= static_cast<float>(size_);
  }
  return std::make_unique<DoneWork>(status);
}

std::unique_ptr<Work> FakeBackend::Broadcast(void*, int64_t, const BroadcastOptions&) {
  return std::make_unique<DoneWork>(NextCall());
}

std::unique_ptr<Work> FakeBackend::Allgather(const float* in, int64_t count, float* out,
                                             const AllgatherOptions&) {
  absl::Status status = NextCall();
  if (status.ok() && count > 0) {
    for (int r = 0; r < size_; ++r) {
      if (out + r * count != in) std::memmove(out + r * count, in, count * sizeof(float));
    }
  }
  return std::make_unique<DoneWork>(status);
}

std::unique_ptr<Work> FakeBackend::Allgatherv(const void* in, int64_t bytes,
                                              std::vector<std::vector<uint8_t>>* out,
                                              const AllgatherOptions&) {
  absl::Status status = NextCall();
  if (status.ok()) {
    const auto* p = static_cast<const uint8_t*>(in);
    out->assign(size_, std::vector<uint8_t>(p, p + bytes));
  }
  return std::make_unique<DoneWork>(status);
}

std::unique_ptr<Work> FakeBackend::ReduceScatter(const float* in, float* out, int64_t count,
                                                 const ReduceScatterOptions& options) {
  absl::Status status = NextCall();
  if (status.ok()) {
    const float scale = options.op == ReduceOp::kSum ? static_cast<float>(size_) : 1.0f;
    for (int64_t i = 0; i < count; ++i) out[i] = in[rank_ * count + i] * scale;
  }
  return std::make_unique<DoneWork>(status);
}

std::unique_ptr<Work> FakeBackend::Barrier(const BarrierOptions&) {
  return std::make_unique<DoneWork>(NextCall());
}

}  // namespace syncline::comm
