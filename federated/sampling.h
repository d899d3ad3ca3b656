// Per-round client sampling (federated-conventions.md section 4).
#pragma once

#include <cstdint>
#include <vector>

namespace syncline::federated {

// M = min(N, max(floor(C * N), min_clients)).
int NumSampled(int num_clients, double fraction, int min_clients);

// The sorted participants of `round`: a partial Fisher-Yates over [0, N) with
// stream(seed, SAMPLE, round). M == N returns every client without drawing.
std::vector<int> SampleClients(uint64_t seed, int round, int num_clients, int num_sampled);

}  // namespace syncline::federated
