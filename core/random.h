// Small portable random number utilities. Everything here is fully specified
// (no std:: distributions), so results are identical on every platform,
// compiler and rank: a seed or a counter is all a checkpoint needs to store.
#pragma once

#include <cmath>
#include <cstdint>

namespace syncline::core {

// The SplitMix64 finaliser: a bijective 64-bit mixer.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Hash of two words (order matters); used to derive independent streams.
inline uint64_t HashCombine(uint64_t a, uint64_t b) { return Mix64(Mix64(a) ^ (b * 0xD6E8FEB86659FD93ull)); }

// Uniform float in [0, 1) from the top 24 bits of a 64-bit word.
inline float UnitFloat(uint64_t bits) { return static_cast<float>(bits >> 40) * (1.0f / 16777216.0f); }

// SplitMix64 generator (Steele, Lea, Flood 2014). state() is the whole state.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  float Uniform() { return UnitFloat(Next()); }
  // Uniform in [lo, hi).
  float Uniform(float lo, float hi) { return lo + (hi - lo) * Uniform(); }
  // Integer in [0, n) by multiply-shift (bias below 2^-32 for n < 2^32).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }
  // Standard normal via Box-Muller (uses two draws).
  float Normal() {
    float u1 = Uniform(), u2 = Uniform();
    return std::sqrt(-2.0f * std::log(1.0f - u1)) * std::cos(6.2831853f * u2);
  }
  uint64_t state() const { return state_; }
  void set_state(uint64_t s) { state_ = s; }

 private:
  uint64_t state_;
};

}  // namespace syncline::core
