#include "comm/reduce_op.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace syncline::comm {

void ReduceInto(float* acc, const float* x, int64_t n, ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum:
    case ReduceOp::kAvg:
      for (int64_t i = 0; i < n; ++i) acc[i] += x[i];
      break;
    case ReduceOp::kMax:
      for (int64_t i = 0; i < n; ++i) acc[i] = std::max(acc[i], x[i]);
      break;
    case ReduceOp::kMin:
      for (int64_t i = 0; i < n; ++i) acc[i] = std::min(acc[i], x[i]);
      break;
  }
}

void FinishReduce(float* data, int64_t n, ReduceOp op, int world) {
  if (op != ReduceOp::kAvg || world == 1) return;
  // Divide (not multiply by 1/world) so that exact sums give exact means.
  const float w = static_cast<float>(world);
  for (int64_t i = 0; i < n; ++i) data[i] /= w;
}

const char* ReduceOpName(ReduceOp op) {
  switch (op) {
    case ReduceOp::kSum: return "sum";
    case ReduceOp::kAvg: return "avg";
    case ReduceOp::kMax: return "max";
    case ReduceOp::kMin: return "min";
  }
  return "?";
}

const char* CollectiveName(CollectiveKind kind) {
  switch (kind) {
    case CollectiveKind::kAllreduce: return "allreduce";
    case CollectiveKind::kBroadcast: return "broadcast";
    case CollectiveKind::kAllgather: return "allgather";
    case CollectiveKind::kAllgatherv: return "allgatherv";
    case CollectiveKind::kReduceScatter: return "reduce_scatter";
    case CollectiveKind::kBarrier: return "barrier";
  }
  return "unknown collective";
}

std::string DescribeFingerprint(const Fingerprint& f) {
  const auto kind = static_cast<CollectiveKind>(f.kind);
  std::string s = absl::StrCat("#", f.sequence, " ", CollectiveName(kind));
  switch (kind) {
    case CollectiveKind::kAllreduce:
    case CollectiveKind::kReduceScatter:
      absl::StrAppend(&s, "(", ReduceOpName(static_cast<ReduceOp>(f.op)), ") of ", f.count,
                      " floats");
      break;
    case CollectiveKind::kBroadcast:
      absl::StrAppend(&s, " from root ", f.op, " of ", f.count, " bytes");
      break;
    case CollectiveKind::kAllgather:
      absl::StrAppend(&s, " of ", f.count, " floats");
      break;
    case CollectiveKind::kAllgatherv:
    case CollectiveKind::kBarrier:
      break;  // sizes may differ by design
  }
  return s;
}

}  // namespace syncline::comm
