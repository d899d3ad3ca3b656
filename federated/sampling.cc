#include "federated/sampling.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "federated/rng.h"

namespace syncline::federated {

int NumSampled(int num_clients, double fraction, int min_clients) {
  const int by_fraction = static_cast<int>(std::floor(fraction * num_clients + 1e-9));
  return std::min(num_clients, std::max(by_fraction, min_clients));
}

std::vector<int> SampleClients(uint64_t seed, int round, int num_clients, int num_sampled) {
  std::vector<int> ids(num_clients);
  std::iota(ids.begin(), ids.end(), 0);
  const int m = std::min(num_sampled, num_clients);
  if (m >= num_clients) return ids;
  SplitMix64 rng = Stream(seed, StreamTag::kSample, static_cast<uint64_t>(round));
  for (int i = 0; i < m; ++i) {
    const int j = i + static_cast<int>(rng.Below(static_cast<uint64_t>(num_clients - i)));
    std::swap(ids[i], ids[j]);
  }
  ids.resize(m);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace syncline::federated
