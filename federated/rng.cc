#include "federated/rng.h"

#include <cmath>
#include <utility>

namespace syncline::federated {

uint64_t Fin64(uint64_t z) {
  z ^= z >> 30;
  z *= 0xBF58476D1CE4E5B9ULL;
  z ^= z >> 27;
  z *= 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t SplitMix64::Below(uint64_t n) {
  // lim = 2^64 - (2^64 mod n); (0 - n) % n == 2^64 mod n in unsigned arithmetic.
  const uint64_t rem = (0 - n) % n;
  uint64_t r = Next();
  if (rem != 0) {
    const uint64_t lim = 0 - rem;
    while (r >= lim) r = Next();
  }
  return r % n;
}

double SplitMix64::Normal() {
  const double u1 = 1.0 - Uniform();  // (0, 1], so log is finite
  const double u2 = Uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
}

double SplitMix64::Gamma(double shape) {
  if (shape < 1.0) {
    const double g = Gamma(shape + 1.0);
    return g * std::pow(Uniform(), 1.0 / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x, v;
    do {
      x = Normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = Uniform();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v;
  }
}

SplitMix64 Stream(uint64_t seed, StreamTag tag, uint64_t index) {
  return SplitMix64(Mix64(Mix64(Mix64(seed) ^ static_cast<uint64_t>(tag)) ^ index));
}

void Shuffle(SplitMix64* rng, std::vector<int64_t>* v) {
  const uint64_t n = v->size();
  if (n < 2) return;
  for (uint64_t i = n - 1; i > 0; --i) {
    const uint64_t j = rng->Below(i + 1);
    std::swap((*v)[i], (*v)[j]);
  }
}

}  // namespace syncline::federated
