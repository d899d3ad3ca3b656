// Elementwise reductions shared by the CPU backends.
#pragma once

#include <cstdint>
#include <string>

#include "comm/options.h"

namespace syncline::comm {

// acc[i] = op(acc[i], x[i]) for kSum/kAvg (sum; divide later), kMax, kMin.
void ReduceInto(float* acc, const float* x, int64_t n, ReduceOp op);
// After summing `world` contributions: kAvg divides by world; others no-op.
void FinishReduce(float* data, int64_t n, ReduceOp op, int world);
const char* ReduceOpName(ReduceOp op);

// What a rank is about to run; ranks compare these in checking mode so that
// mismatched collectives fail with InvalidArgument instead of hanging.
struct Fingerprint {
  int64_t sequence = 0;
  int64_t kind = 0;   // CollectiveKind
  int64_t op = 0;     // ReduceOp for reductions, root for broadcast
  int64_t count = 0;  // elements (floats) or bytes
};

enum class CollectiveKind : int64_t {
  kAllreduce = 1, kBroadcast, kAllgather, kAllgatherv, kReduceScatter, kBarrier
};

const char* CollectiveName(CollectiveKind kind);
// "allreduce(sum) of 1027 floats" / "broadcast from root 0 of 12 bytes".
std::string DescribeFingerprint(const Fingerprint& f);

}  // namespace syncline::comm
