// Client partitions of a labelled dataset (federated-conventions.md section 3).
// Every client derives the same partition from (labels, seed, options), so a
// client only needs its id; the hash is logged and checked at Join.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace syncline::federated {

struct PartitionOptions {
  std::string kind = "dirichlet";  // "iid" or "dirichlet"
  int num_clients = 1;
  double alpha = 0.5;
  int64_t min_size = 10;
  bool self_balancing = false;
  int max_tries = 1000;
  uint64_t seed = 0;
};

using Partition = std::vector<std::vector<int64_t>>;  // per client, dataset indices

// Cut points cut_1..cut_{N-1} = floor((p_0 + ... + p_{j-1}) * n), computed
// in double in ascending j (the spec's test vectors T3).
std::vector<int64_t> DirichletCuts(const std::vector<double>& p, int64_t n);

// Self-balancing: zero the share of clients already holding >= n_total / N,
// renormalise; all zero -> uniform.
void BalanceProportions(const std::vector<int64_t>& held, int64_t n_total,
                        std::vector<double>* p);

// Splits indices [0, labels.size()) among options.num_clients clients.
// Errors: unknown kind, N < 1, or no Dirichlet draw meeting min_size within
// max_tries (the message names the numbers).
absl::StatusOr<Partition> MakePartition(const std::vector<int32_t>& labels, int num_classes,
                                        const PartitionOptions& options);

// FNV-1a 64 over client sizes and indices, as 16 hex digits.
std::string PartitionHash(const Partition& partition);

}  // namespace syncline::federated
