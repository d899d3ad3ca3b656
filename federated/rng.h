// Deterministic randomness for federated runs (federated-conventions.md section 2).
//
// C++ <random> distributions are implementation-defined, so every federated
// random draw comes from SplitMix64 streams keyed by (seed, tag, index): the
// same seed gives the same shards, participants and attack starts everywhere.
#pragma once

#include <cstdint>
#include <vector>

namespace syncline::federated {

inline constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;

// Stream tags (federated-conventions.md section 2).
enum class StreamTag : uint64_t {
  kSample = 1,      // index: round
  kPartition = 2,   // index: 0
  kAttack = 3,      // index: (round << 32) | client
  kClientData = 4,  // index: (round << 32) | client
  kInit = 5,        // index: 0
};

uint64_t Fin64(uint64_t z);
inline uint64_t Mix64(uint64_t x) { return Fin64(x + kGolden); }

class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t state) : state_(state) {}
  uint64_t Next() {
    state_ += kGolden;
    return Fin64(state_);
  }
  // Unbiased integer in [0, n); n > 0.
  uint64_t Below(uint64_t n);
  // Double in [0, 1) with 53 random bits.
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  // Standard normal by Box-Muller from u1 = 1 - Uniform(), u2 = Uniform().
  double Normal();
  // Gamma(shape, 1): Marsaglia-Tsang; shape < 1 via Gamma(shape+1) * U^(1/shape).
  double Gamma(double shape);
  uint64_t state() const { return state_; }
  // Jumps over the next n outputs (O(1): the state advances by n * GOLDEN).
  void Skip(uint64_t n) { state_ += n * kGolden; }

 private:
  uint64_t state_;
};

// stream(seed, tag, index) = SplitMix64{mix64(mix64(mix64(seed) ^ tag) ^ index)}.
SplitMix64 Stream(uint64_t seed, StreamTag tag, uint64_t index);
inline uint64_t RoundClientIndex(int round, int client) {
  return (static_cast<uint64_t>(round) << 32) | static_cast<uint32_t>(client);
}

// In-place Fisher-Yates shuffle drawing with Below().
void Shuffle(SplitMix64* rng, std::vector<int64_t>* v);

}  // namespace syncline::federated
