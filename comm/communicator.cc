#include "comm/communicator.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "comm/serial_executor.h"

namespace syncline::comm {
namespace {

constexpr int kFingerprintFloats = sizeof(Fingerprint) / sizeof(float);

// Adds context to the status of an asynchronous collective at Wait().
class AnnotatedWork : public Work {
 public:
  AnnotatedWork(std::unique_ptr<Work> inner, std::string prefix)
      : inner_(std::move(inner)), prefix_(std::move(prefix)) {}
  absl::Status Wait() override {
    absl::Status s = inner_->Wait();
    if (s.ok()) return s;
    return absl::Status(s.code(), absl::StrCat(prefix_, s.message()));
  }
  bool IsCompleted() override { return inner_->IsCompleted(); }

 private:
  std::unique_ptr<Work> inner_;
  std::string prefix_;
};

}  // namespace

Communicator::Communicator(std::unique_ptr<Backend> backend, CommunicatorOptions options)
    : backend_(std::move(backend)), backend_name_(backend_->name()), options_(options) {}

absl::Status Communicator::Begin(CollectiveKind kind, int64_t op, int64_t count,
                                 absl::Duration timeout) {
  ++sequence_;
  if (!options_.check_collectives || size() == 1) return absl::OkStatus();
  Fingerprint mine{sequence_, static_cast<int64_t>(kind), op, count};
  float packed[kFingerprintFloats];
  std::memcpy(packed, &mine, sizeof(mine));
  std::vector<float> all(static_cast<size_t>(kFingerprintFloats) * size());
  AllgatherOptions o;
  o.timeout = timeout;
  absl::Status status = backend_->Allgather(packed, kFingerprintFloats, all.data(), o)->Wait();
  if (!status.ok()) return status;
  for (int r = 0; r < size(); ++r) {
    Fingerprint other;
    std::memcpy(static_cast<void*>(&other), all.data() + r * kFingerprintFloats, sizeof(other));
    if (other.sequence == mine.sequence && other.kind == mine.kind && other.op == mine.op &&
        other.count == mine.count) {
      continue;
    }
    const int lo = std::min(r, rank()), hi = std::max(r, rank());
    const Fingerprint& flo = lo == rank() ? mine : other;
    const Fingerprint& fhi = lo == rank() ? other : mine;
    return absl::InvalidArgumentError(
        absl::StrCat("ranks disagree on the collective: rank ", lo, " issued ",
                     DescribeFingerprint(flo), ", rank ", hi, " issued ", DescribeFingerprint(fhi)));
  }
  return absl::OkStatus();
}

absl::Status Communicator::Annotate(absl::Status status, CollectiveKind kind,
                                    const std::string& tag) const {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat("rank ", rank(), ": ", CollectiveName(kind), " #", sequence_,
                                   tag.empty() ? "" : absl::StrCat(" \"", tag, "\""), ": ",
                                   status.message()));
}

std::unique_ptr<Work> Communicator::AllreduceAsync(float* data, int64_t count,
                                                   const AllreduceOptions& o) {
  const auto kind = CollectiveKind::kAllreduce;
  absl::Status status = Begin(kind, static_cast<int64_t>(o.op), count, o.timeout);
  if (!status.ok()) return std::make_unique<DoneWork>(Annotate(status, kind, o.tag));
  if (size() > 1) bytes_sent_ += count * static_cast<int64_t>(sizeof(float));
  std::string prefix = absl::StrCat("rank ", rank(), ": allreduce #", sequence_,
                                    o.tag.empty() ? "" : absl::StrCat(" \"", o.tag, "\""), ": ");
  return std::make_unique<AnnotatedWork>(backend_->Allreduce(data, count, o), std::move(prefix));
}

absl::Status Communicator::Allreduce(float* data, int64_t count, const AllreduceOptions& o) {
  return AllreduceAsync(data, count, o)->Wait();
}

absl::Status Communicator::Broadcast(void* data, int64_t bytes, const BroadcastOptions& o) {
  const auto kind = CollectiveKind::kBroadcast;
  absl::Status status = Begin(kind, o.root, bytes, o.timeout);
  if (status.ok()) {
    if (size() > 1 && rank() == o.root) bytes_sent_ += bytes;
    status = backend_->Broadcast(data, bytes, o)->Wait();
  }
  return Annotate(status, kind, o.tag);
}

absl::Status Communicator::Allgather(const float* in, int64_t count, float* out,
                                     const AllgatherOptions& o) {
  const auto kind = CollectiveKind::kAllgather;
  absl::Status status = Begin(kind, 0, count, o.timeout);
  if (status.ok()) {
    if (size() > 1) bytes_sent_ += count * static_cast<int64_t>(sizeof(float));
    status = backend_->Allgather(in, count, out, o)->Wait();
  }
  return Annotate(status, kind, o.tag);
}

absl::Status Communicator::Allgatherv(const void* in, int64_t bytes,
                                      std::vector<std::vector<uint8_t>>* out,
                                      const AllgatherOptions& o) {
  const auto kind = CollectiveKind::kAllgatherv;
  absl::Status status = Begin(kind, 0, 0, o.timeout);  // sizes may differ by design
  if (status.ok()) {
    if (size() > 1) bytes_sent_ += bytes;
    status = backend_->Allgatherv(in, bytes, out, o)->Wait();
  }
  return Annotate(status, kind, o.tag);
}

absl::Status Communicator::ReduceScatter(const float* in, float* out, int64_t count,
                                         const ReduceScatterOptions& o) {
  const auto kind = CollectiveKind::kReduceScatter;
  absl::Status status = Begin(kind, static_cast<int64_t>(o.op), count, o.timeout);
  if (status.ok()) {
    if (size() > 1) bytes_sent_ += count * size() * static_cast<int64_t>(sizeof(float));
    status = backend_->ReduceScatter(in, out, count, o)->Wait();
  }
  return Annotate(status, kind, o.tag);
}

absl::Status Communicator::Barrier(const BarrierOptions& o) {
  const auto kind = CollectiveKind::kBarrier;
  absl::Status status = Begin(kind, 0, 0, o.timeout);
  if (status.ok()) status = backend_->Barrier(o)->Wait();
  return Annotate(status, kind, "");
}

}  // namespace syncline::comm
