// Deterministic, rank-sharded sampling: every epoch is a permutation of the
// dataset derived only from (seed, epoch), so any rank at any world size can
// recompute it; rank r takes positions [r*B, (r+1)*B) of each global batch of
// B*world examples. The last partial global batch is split as evenly as
// possible; a rank may get an empty batch there, but every rank sees the same
// number of steps per epoch (so collectives never hang).
// StartEpochAt(e, k) makes epoch e begin at position k of its permutation
// instead of 0: a run resumed with a different global batch (world size)
// continues with exactly the examples the saved run had not yet seen.
#pragma once

#include <cstdint>
#include <vector>

namespace syncline::core {

class ShardedSampler {
 public:
  ShardedSampler(int64_t dataset_size, uint64_t seed, int rank, int world_size,
                 int64_t batch_per_rank);

  // Steps of a whole epoch.
  int64_t StepsPerEpoch() const;
  // Steps of `epoch` (fewer for an epoch started part-way, see StartEpochAt).
  int64_t StepsInEpoch(int64_t epoch) const;
  // This rank's example indices for (epoch, step).
  std::vector<int64_t> Batch(int64_t epoch, int64_t step) const;
  // Number of examples in the global batch at (epoch, step) (for loss weighting).
  int64_t GlobalBatchSize(int64_t epoch, int64_t step) const;
  // Examples of `epoch` consumed by all ranks before `step` of it.
  int64_t SamplesBefore(int64_t epoch, int64_t step) const;
  // Epoch `epoch` starts at permutation position `first` (0 <= first <= size).
  void StartEpochAt(int64_t epoch, int64_t first);

 private:
  const std::vector<int64_t>& Permutation(int64_t epoch) const;
  int64_t First(int64_t epoch) const { return epoch == partial_epoch_ ? partial_first_ : 0; }

  int64_t size_;
  uint64_t seed_;
  int rank_;
  int world_;
  int64_t batch_;
  int64_t partial_epoch_ = -1;
  int64_t partial_first_ = 0;
  mutable int64_t cached_epoch_ = -1;
  mutable std::vector<int64_t> perm_;
};

}  // namespace syncline::core
