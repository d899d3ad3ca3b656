#include "federated/partition.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "federated/rng.h"

namespace syncline::federated {
namespace {

Partition IidPartition(int64_t n, int num_clients, SplitMix64* rng) {
  std::vector<int64_t> all(n);
  for (int64_t i = 0; i < n; ++i) all[i] = i;
  Shuffle(rng, &all);
  Partition out(num_clients);
  const int64_t base = n / num_clients, extra = n % num_clients;
  int64_t pos = 0;
  for (int c = 0; c < num_clients; ++c) {
    const int64_t size = base + (c < extra ? 1 : 0);
    out[c].assign(all.begin() + pos, all.begin() + pos + size);
    pos += size;
  }
  return out;
}

// Dirichlet(alpha * 1_N) proportions; all-zero gamma draws give e_{below(N)}.
std::vector<double> DrawDirichlet(int n, double alpha, SplitMix64* rng) {
  std::vector<double> p(n);
  double sum = 0;
  for (int j = 0; j < n; ++j) {
    p[j] = rng->Gamma(alpha);
    sum += p[j];
  }
  if (sum == 0.0) {
    std::fill(p.begin(), p.end(), 0.0);
    p[rng->Below(static_cast<uint64_t>(n))] = 1.0;
    return p;
  }
  for (double& v : p) v /= sum;
  return p;
}

Partition DirichletTry(const std::vector<std::vector<int64_t>>& by_class, int64_t n_total,
                       const PartitionOptions& o, SplitMix64* rng) {
  Partition out(o.num_clients);
  for (const auto& members : by_class) {
    std::vector<int64_t> idx = members;
    Shuffle(rng, &idx);
    std::vector<double> p = DrawDirichlet(o.num_clients, o.alpha, rng);
    if (o.self_balancing) {
      std::vector<int64_t> held(o.num_clients);
      for (int j = 0; j < o.num_clients; ++j) held[j] = static_cast<int64_t>(out[j].size());
      BalanceProportions(held, n_total, &p);
    }
    const std::vector<int64_t> cuts = DirichletCuts(p, static_cast<int64_t>(idx.size()));
    for (int j = 0; j < o.num_clients; ++j) {
      const int64_t lo = j == 0 ? 0 : cuts[j - 1];
      const int64_t hi = j == o.num_clients - 1 ? static_cast<int64_t>(idx.size()) : cuts[j];
      if (hi > lo) out[j].insert(out[j].end(), idx.begin() + lo, idx.begin() + hi);
    }
  }
  return out;
}

}  // namespace

std::vector<int64_t> DirichletCuts(const std::vector<double>& p, int64_t n) {
  std::vector<int64_t> cuts;
  double cum = 0;
  for (size_t j = 1; j < p.size(); ++j) {
    cum += p[j - 1];
    cuts.push_back(std::min<int64_t>(n, static_cast<int64_t>(std::floor(cum * n))));
  }
  return cuts;
}

void BalanceProportions(const std::vector<int64_t>& held, int64_t n_total,
                        std::vector<double>* p) {
  const int n = static_cast<int>(p->size());
  const double cap = static_cast<double>(n_total) / n;
  double sum = 0;
  for (int j = 0; j < n; ++j) {
    if (static_cast<double>(held[j]) >= cap) (*p)[j] = 0;
    sum += (*p)[j];
  }
  for (double& v : *p) v = sum > 0 ? v / sum : 1.0 / n;
}

absl::StatusOr<Partition> MakePartition(const std::vector<int32_t>& labels, int num_classes,
                                        const PartitionOptions& o) {
  if (o.num_clients < 1) {
    return absl::InvalidArgumentError(absl::StrCat("federated.num_clients must be >= 1, got ",
                                                   o.num_clients));
  }
  const int64_t n = static_cast<int64_t>(labels.size());
  SplitMix64 rng = Stream(o.seed, StreamTag::kPartition, 0);
  if (o.kind == "iid") return IidPartition(n, o.num_clients, &rng);
  if (o.kind != "dirichlet") {
    return absl::InvalidArgumentError(
        absl::StrCat("federated.partition: unknown '", o.kind, "' (iid | dirichlet)"));
  }
  if (!(o.alpha > 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("federated.dirichlet_alpha must be > 0, got ", o.alpha));
  }
  std::vector<std::vector<int64_t>> by_class(num_classes);
  for (int64_t i = 0; i < n; ++i) {
    if (labels[i] < 0 || labels[i] >= num_classes) {
      return absl::InvalidArgumentError(absl::StrCat("label ", labels[i], " at index ", i,
                                                     " outside [0, ", num_classes, ")"));
    }
    by_class[labels[i]].push_back(i);
  }
  int64_t smallest = 0;
  for (int t = 0; t < std::max(1, o.max_tries); ++t) {
    Partition out = DirichletTry(by_class, n, o, &rng);
    smallest = n;
    for (const auto& c : out) smallest = std::min<int64_t>(smallest, c.size());
    if (smallest >= o.min_size) return out;
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "dirichlet partition: no split with every client >= federated.min_partition_size=",
      o.min_size, " after ", o.max_tries, " tries (N=", o.num_clients, ", alpha=", o.alpha,
      ", n=", n, ", smallest last try ", smallest, ")"));
}

std::string PartitionHash(const Partition& partition) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto feed = [&h](uint64_t v) {
    for (int b = 0; b < 8; ++b) {
      h ^= (v >> (8 * b)) & 0xff;
      h *= 0x100000001b3ULL;
    }
  };
  feed(partition.size());
  for (const auto& c : partition) {
    feed(c.size());
    for (int64_t i : c) feed(static_cast<uint64_t>(i));
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace syncline::federated
