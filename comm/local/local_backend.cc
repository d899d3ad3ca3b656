#include "comm/local/local_backend.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace syncline::comm {
namespace {

// [begin, end) of part `i` of `n` nearly equal parts of [0, count).
std::pair<int64_t, int64_t> Part(int64_t count, int i, int n) {
  return {count * i / n, count * (i + 1) / n};
}

}  // namespace

LocalBackend::LocalBackend(std::shared_ptr<LocalWorld> world, int rank)
    : world_(std::move(world)), rank_(rank) {}

std::vector<std::unique_ptr<Backend>> LocalBackend::CreateWorld(int size) {
  auto world = std::make_shared<LocalWorld>(size);
  std::vector<std::unique_ptr<Backend>> out;
  for (int r = 0; r < size; ++r) out.push_back(std::make_unique<LocalBackend>(world, r));
  return out;
}

absl::Status LocalBackend::CheckFingerprints(const LocalWorld::Slot& slot) const {
  const Fingerprint& mine = slot.fp[rank_];
  for (int r = 0; r < size(); ++r) {
    const Fingerprint& other = slot.fp[r];
    if (other.kind != mine.kind || other.op != mine.op || other.count != mine.count) {
      const int lo = std::min(r, rank_), hi = std::max(r, rank_);
      return absl::InvalidArgumentError(absl::StrCat(
          "ranks disagree on the collective: rank ", lo, " issued ",
          DescribeFingerprint(slot.fp[lo]), ", rank ", hi, " issued ",
          DescribeFingerprint(slot.fp[hi])));
    }
  }
  return absl::OkStatus();
}

std::unique_ptr<Work> LocalBackend::Run(Fingerprint fp, const void* in, void* out,
                                        int64_t bytes, absl::Duration timeout, Body body) {
  fp.sequence = ++sequence_;
  const absl::Time deadline = absl::Now() + timeout;
  auto task = [this, fp, in, out, bytes, deadline, body = std::move(body)]() -> absl::Status {
    std::shared_ptr<LocalWorld::Slot> slot = world_->Join(fp.sequence);
    {
      std::lock_guard<std::mutex> lock(slot->mu);
      slot->in[rank_] = in;
      slot->out[rank_] = out;
      slot->bytes[rank_] = bytes;
      slot->fp[rank_] = fp;
      if (fp.kind == static_cast<int64_t>(CollectiveKind::kAllreduce) && slot->result.empty()) {
        slot->result.resize(fp.count);
      }
    }
    absl::Status status = world_->Meet(slot.get(), rank_, 0, deadline);
    if (status.ok()) status = CheckFingerprints(*slot);
    if (status.ok()) status = body(*slot, deadline);
    world_->Leave(fp.sequence, slot.get());
    return status;
  };
  return executor_.Submit(std::move(task), deadline);
}

std::unique_ptr<Work> LocalBackend::Allreduce(float* data, int64_t count,
                                              const AllreduceOptions& options) {
  Fingerprint fp{0, static_cast<int64_t>(CollectiveKind::kAllreduce),
                 static_cast<int64_t>(options.op), count};
  const ReduceOp op = options.op;
  const int64_t chunk = options.max_chunk_bytes > 0
                            ? std::max<int64_t>(1, options.max_chunk_bytes / 4)
                            : std::max<int64_t>(1, count);
  auto body = [this, data, count, op, chunk](LocalWorld::Slot& slot, absl::Time deadline) {
    // Rank r reduces part r of the vector into the shared result ...
    auto [begin, end] = Part(count, rank_, size());
    for (int64_t lo = begin; lo < end; lo += chunk) {
      const int64_t n = std::min(chunk, end - lo);
      float* acc = slot.result.data() + lo;
      std::memcpy(acc, static_cast<const float*>(slot.in[0]) + lo, n * sizeof(float));
      for (int r = 1; r < size(); ++r) {
        ReduceInto(acc, static_cast<const float*>(slot.in[r]) + lo, n, op);
      }
      FinishReduce(acc, n, op, size());
    }
    // ... and once every part is done, each rank copies the whole result.
    absl::Status status = world_->Meet(&slot, rank_, 1, deadline);
    if (status.ok() && count > 0) {
      std::memcpy(data, slot.result.data(), count * sizeof(float));
    }
    return status;
  };
  return Run(fp, data, data, count * 4, options.timeout, std::move(body));
}

std::unique_ptr<Work> LocalBackend::Broadcast(void* data, int64_t bytes,
                                              const BroadcastOptions& options) {
  if (options.root < 0 || options.root >= size()) {
    return std::make_unique<DoneWork>(absl::InvalidArgumentError(
        absl::StrCat("broadcast root ", options.root, " outside [0, ", size(), ")")));
  }
  Fingerprint fp{0, static_cast<int64_t>(CollectiveKind::kBroadcast), options.root, bytes};
  const int root = options.root;
  auto body = [this, data, bytes, root](LocalWorld::Slot& slot, absl::Time deadline) {
    if (rank_ != root && bytes > 0) std::memcpy(data, slot.in[root], bytes);
    return world_->Meet(&slot, rank_, 1, deadline);  // root's buffer is read until here
  };
  return Run(fp, data, data, bytes, options.timeout, std::move(body));
}

std::unique_ptr<Work> LocalBackend::Allgather(const float* in, int64_t count, float* out,
                                              const AllgatherOptions& options) {
  Fingerprint fp{0, static_cast<int64_t>(CollectiveKind::kAllgather), 0, count};
  auto body = [this, count, out](LocalWorld::Slot& slot, absl::Time deadline) {
    for (int r = 0; r < size(); ++r) {
      float* dst = out + r * count;
      if (count > 0 && dst != slot.in[r]) std::memcpy(dst, slot.in[r], count * sizeof(float));
    }
    return world_->Meet(&slot, rank_, 1, deadline);
  };
  return Run(fp, in, out, count * 4, options.timeout, std::move(body));
}

std::unique_ptr<Work> LocalBackend::Allgatherv(const void* in, int64_t bytes,
                                               std::vector<std::vector<uint8_t>>* out,
                                               const AllgatherOptions& options) {
  Fingerprint fp{0, static_cast<int64_t>(CollectiveKind::kAllgatherv), 0, 0};
  auto body = [this, out](LocalWorld::Slot& slot, absl::Time deadline) {
    out->assign(size(), {});
    for (int r = 0; r < size(); ++r) {
      const auto* src = static_cast<const uint8_t*>(slot.in[r]);
      (*out)[r].assign(src, src + slot.bytes[r]);
    }
    return world_->Meet(&slot, rank_, 1, deadline);
  };
  return Run(fp, in, nullptr, bytes, options.timeout, std::move(body));
}

std::unique_ptr<Work> LocalBackend::ReduceScatter(const float* in, float* out, int64_t count,
                                                  const ReduceScatterOptions& options) {
  Fingerprint fp{0, static_cast<int64_t>(CollectiveKind::kReduceScatter),
                 static_cast<int64_t>(options.op), count};
  const ReduceOp op = options.op;
  auto body = [this, out, count, op](LocalWorld::Slot& slot, absl::Time deadline) {
    const int64_t offset = static_cast<int64_t>(rank_) * count;
    if (count > 0) {
      std::memcpy(out, static_cast<const float*>(slot.in[0]) + offset, count * sizeof(float));
    }
    for (int r = 1; r < size(); ++r) {
      ReduceInto(out, static_cast<const float*>(slot.in[r]) + offset, count, op);
    }
    FinishReduce(out, count, op, size());
    return world_->Meet(&slot, rank_, 1, deadline);
  };
  return Run(fp, in, out, count * 4, options.timeout, std::move(body));
}

std::unique_ptr<Work> LocalBackend::Barrier(const BarrierOptions& options) {
  Fingerprint fp{0, static_cast<int64_t>(CollectiveKind::kBarrier), 0, 0};
  auto body = [](LocalWorld::Slot&, absl::Time) { return absl::OkStatus(); };
  return Run(fp, nullptr, nullptr, 0, options.timeout, std::move(body));
}

}  // namespace syncline::comm
