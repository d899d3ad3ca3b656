// One small options struct per collective, each with a timeout.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace syncline::comm {

inline constexpr absl::Duration kDefaultTimeout = absl::Seconds(60);

enum class ReduceOp { kSum, kAvg, kMax, kMin };

struct AllreduceOptions {
  ReduceOp op = ReduceOp::kSum;
  absl::Duration timeout = kDefaultTimeout;
  // Names the tensor in error messages ("fc1.weight", "bucket 3").
  std::string tag;
  // Test knob: split the reduction into chunks of at most this many bytes (0 = backend default).
  int64_t max_chunk_bytes = 0;
};

struct BroadcastOptions {
  int root = 0;
  absl::Duration timeout = kDefaultTimeout;
  std::string tag;
};

struct AllgatherOptions {
  absl::Duration timeout = kDefaultTimeout;
  std::string tag;
};

struct ReduceScatterOptions {
  ReduceOp op = ReduceOp::kSum;
  absl::Duration timeout = kDefaultTimeout;
  std::string tag;
};

struct BarrierOptions {
  absl::Duration timeout = kDefaultTimeout;
};

}  // namespace syncline::comm
