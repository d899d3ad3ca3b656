#include "federated/partition.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace syncline::federated {
namespace {

std::vector<int32_t> Labels(int n, int classes) {
  std::vector<int32_t> y(n);
  for (int i = 0; i < n; ++i) y[i] = (i * 7 + i / 3) % classes;
  return y;
}

// federated-conventions.md T3.
TEST(PartitionTest, DirichletCutsKnownAnswers) {
  EXPECT_EQ(DirichletCuts({0.5, 0.25, 0.25}, 10), (std::vector<int64_t>{5, 7}));
  EXPECT_EQ(DirichletCuts({0.125, 0.375, 0.5}, 7), (std::vector<int64_t>{0, 3}));
  std::vector<double> p = {0.5, 0.25, 0.25};
  BalanceProportions({10, 3, 0}, 30, &p);
  EXPECT_DOUBLE_EQ(p[0], 0.0);
  EXPECT_DOUBLE_EQ(p[1], 0.5);
  EXPECT_DOUBLE_EQ(p[2], 0.5);
  std::vector<double> all = {0.2, 0.8};
  BalanceProportions({10, 10}, 20, &all);
  EXPECT_DOUBLE_EQ(all[0], 0.5);
}

// T4: disjoint, complete, minimum size, deterministic in the seed.
TEST(PartitionTest, DirichletInvariants) {
  const auto labels = Labels(3000, 10);
  PartitionOptions o;
  o.num_clients = 20;
  o.alpha = 0.5;
  o.seed = 3;
  auto a = MakePartition(labels, 10, o);
  ASSERT_TRUE(a.ok()) << a.status();
  std::set<int64_t> seen;
  for (const auto& c : *a) {
    EXPECT_GE(static_cast<int64_t>(c.size()), o.min_size);
    for (int64_t i : c) EXPECT_TRUE(seen.insert(i).second) << "index " << i << " twice";
  }
  EXPECT_EQ(seen.size(), labels.size());
  auto b = MakePartition(labels, 10, o);
  EXPECT_EQ(PartitionHash(*a), PartitionHash(*b));
  o.seed = 4;
  auto c = MakePartition(labels, 10, o);
  EXPECT_NE(PartitionHash(*a), PartitionHash(*c));
}

// T4: alpha = 0.1 concentrates clients on 1-2 classes; alpha = 100 is near uniform.
TEST(PartitionTest, AlphaControlsSkew) {
  const auto labels = Labels(5000, 10);
  auto dominant_share = [&](double alpha) {
    PartitionOptions o;
    o.num_clients = 10;
    o.alpha = alpha;
    o.seed = 1;
    o.min_size = 0;
    auto p = MakePartition(labels, 10, o);
    EXPECT_TRUE(p.ok());
    double share = 0;
    for (const auto& c : *p) {
      std::vector<int> h(10);
      for (int64_t i : c) ++h[labels[i]];
      std::sort(h.rbegin(), h.rend());
      share += c.empty() ? 1.0 : static_cast<double>(h[0] + h[1]) / c.size();
    }
    return share / p->size();
  };
  EXPECT_GT(dominant_share(0.1), 0.75);
  EXPECT_LT(dominant_share(100.0), 0.3);
}

TEST(PartitionTest, IidSizesAndErrors) {
  PartitionOptions o;
  o.kind = "iid";
  o.num_clients = 3;
  auto p = MakePartition(Labels(10, 2), 2, o);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ((*p)[0].size(), 4u);
  EXPECT_EQ((*p)[1].size(), 3u);
  EXPECT_EQ((*p)[2].size(), 3u);
  o.kind = "shardz";
  EXPECT_FALSE(MakePartition(Labels(10, 2), 2, o).ok());
  o.kind = "dirichlet";
  o.min_size = 100;  // impossible: 10 examples
  o.max_tries = 5;
  auto bad = MakePartition(Labels(10, 2), 2, o);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("min_partition_size"), std::string::npos);
}

}  // namespace
}  // namespace syncline::federated
