// Portable random streams for compression: the same numbers on every
// platform and standard library (std::normal_distribution is not portable).
// Streams are keyed by a tuple (seed, step, rank, layer, ...) so that ranks
// that must agree (PowerSGD's Q, error probes) draw identical numbers and
// ranks that must not (QSGD rounding noise) draw independent ones.
#pragma once

#include <cstdint>

namespace syncline::comm::compress {

// SplitMix64 finaliser: a bijective 64-bit mix.
uint64_t Mix64(uint64_t x);
// Hashes a key tuple into one 64-bit stream seed.
uint64_t StreamSeed(uint64_t a, uint64_t b, uint64_t c = 0, uint64_t d = 0);

// xoshiro256** seeded by SplitMix64; copyable, so its state can be saved.
class Rng {
 public:
  explicit Rng(uint64_t seed);
  uint64_t Next();
  // Uniform in [0, 1) with 24 random bits (exactly representable as float).
  float Uniform();
  // Standard normal by Box-Muller (uses two uniforms per pair, caches one).
  float Gaussian();

 private:
  uint64_t s_[4];
  bool has_spare_ = false;
  float spare_ = 0.0f;
};

}  // namespace syncline::comm::compress
