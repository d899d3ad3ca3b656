// Deterministic, rank-sharded sampling: every epoch is a permutation of the
// dataset derived only from (seed, epoch), so any rank at any world size can
// recompute it; rank r takes positions [r*B, (r+1)*B) of each global batch of
// B*world examples. The last partial global batch is split as evenly as
// possible; a rank may get an empty batch there, but every rank sees the same
// number of steps per epoch (so collectives never hang).
#pragma once

#include <cstdint>
#include <vector>

namespace syncline::core {

class ShardedSampler {
 public:
  ShardedSampler(int64_t dataset_size, uint64_t seed, int rank, int world_size,
                 int64_t batch_per_rank);

  int64_t StepsPerEpoch() const;
  // This rank's example indices for (epoch, step).
  std::vector<int64_t> Batch(int64_t epoch, int64_t step) const;
  // Number of examples in the global batch at `step` (for loss weighting).
  int64_t GlobalBatchSize(int64_t step) const;

 private:
  const std::vector<int64_t>& Permutation(int64_t epoch) const;

  int64_t size_;
  uint64_t seed_;
  int rank_;
  int world_;
  int64_t batch_;
  mutable int64_t cached_epoch_ = -1;
  mutable std::vector<int64_t> perm_;
};

}  // namespace syncline::core
