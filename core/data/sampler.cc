#include "core/data/sampler.h"

#include <algorithm>
#include <numeric>

#include "core/check.h"
#include "core/random.h"

namespace syncline::core {

ShardedSampler::ShardedSampler(int64_t dataset_size, uint64_t seed, int rank, int world_size,
                               int64_t batch_per_rank)
    : size_(dataset_size), seed_(seed), rank_(rank), world_(world_size), batch_(batch_per_rank) {
  SYNCLINE_CHECK_GE(size_, 0);
  SYNCLINE_CHECK_GT(world_, 0);
  SYNCLINE_CHECK(rank_ >= 0 && rank_ < world_) << "rank " << rank_ << " of " << world_;
  SYNCLINE_CHECK_GT(batch_, 0);
}

int64_t ShardedSampler::StepsPerEpoch() const {
  const int64_t global = batch_ * world_;
  return (size_ + global - 1) / global;
}

int64_t ShardedSampler::StepsInEpoch(int64_t epoch) const {
  const int64_t global = batch_ * world_;
  return (size_ - First(epoch) + global - 1) / global;
}

void ShardedSampler::StartEpochAt(int64_t epoch, int64_t first) {
  SYNCLINE_CHECK(first >= 0 && first <= size_) << "start " << first << " of " << size_;
  partial_epoch_ = epoch;
  partial_first_ = first;
}

int64_t ShardedSampler::SamplesBefore(int64_t epoch, int64_t step) const {
  return std::min(size_, First(epoch) + step * batch_ * world_);
}

int64_t ShardedSampler::GlobalBatchSize(int64_t epoch, int64_t step) const {
  const int64_t start = SamplesBefore(epoch, step);
  if (step < 0 || start >= size_) return 0;
  return std::min(batch_ * world_, size_ - start);
}

std::vector<int64_t> ShardedSampler::Batch(int64_t epoch, int64_t step) const {
  const int64_t global = GlobalBatchSize(epoch, step);
  if (global == 0) return {};
  const int64_t start = SamplesBefore(epoch, step);
  int64_t offset, count;
  if (global == batch_ * world_) {
    offset = rank_ * batch_;
    count = batch_;
  } else {  // last partial global batch: split as evenly as possible
    const int64_t base = global / world_, extra = global % world_;
    offset = rank_ * base + std::min<int64_t>(rank_, extra);
    count = base + (rank_ < extra ? 1 : 0);
  }
  const std::vector<int64_t>& perm = Permutation(epoch);
  return std::vector<int64_t>(perm.begin() + start + offset, perm.begin() + start + offset + count);
}

// Fisher-Yates driven by SplitMix64 seeded from (seed, epoch).
const std::vector<int64_t>& ShardedSampler::Permutation(int64_t epoch) const {
  if (epoch == cached_epoch_) return perm_;
  perm_.resize(size_);
  std::iota(perm_.begin(), perm_.end(), int64_t{0});
  SplitMix64 rng(HashCombine(seed_, static_cast<uint64_t>(epoch)));
  for (int64_t i = size_ - 1; i > 0; --i) {
    const int64_t j = static_cast<int64_t>(rng.Below(static_cast<uint64_t>(i) + 1));
    std::swap(perm_[i], perm_[j]);
  }
  cached_epoch_ = epoch;
  return perm_;
}

}  // namespace syncline::core
