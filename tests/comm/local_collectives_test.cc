// Collectives of the local (threads) backend against closed-form results:
// rank r contributes r + 1, so sums are n(n+1)/2 and exact in fp32.
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/support/world.h"

namespace syncline::comm {
namespace {

using testing::RunWorld;

class CollectivesTest : public ::testing::TestWithParam<std::tuple<int, int64_t>> {
 protected:
  int n() const { return std::get<0>(GetParam()); }
  int64_t count() const { return std::get<1>(GetParam()); }
};

// Value rank r puts at index i: distinct per rank and index, exact in fp32.
float Contribution(int r, int64_t i) { return static_cast<float>((r + 1) * (1 + i % 13)); }

absl::Status ExpectAll(const std::vector<float>& got, const std::function<float(int64_t)>& want,
                       int rank) {
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want(static_cast<int64_t>(i))) {
      return absl::InternalError(absl::StrCat("rank ", rank, " index ", i, ": got ", got[i],
                                              " want ", want(static_cast<int64_t>(i))));
    }
  }
  return absl::OkStatus();
}

TEST_P(CollectivesTest, AllreduceSumAvgMaxMin) {
  const int n = this->n();
  const int64_t count = this->count();
  const float tri = n * (n + 1) / 2.0f;
  absl::Status status = RunWorld(n, [&](Communicator& comm, int rank) -> absl::Status {
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kAvg, ReduceOp::kMax, ReduceOp::kMin}) {
      std::vector<float> data(count);
      for (int64_t i = 0; i < count; ++i) data[i] = Contribution(rank, i);
      AllreduceOptions o;
      o.op = op;
      o.max_chunk_bytes = 12;  // three floats: exercises the chunked path
      absl::Status s = comm.Allreduce(data.data(), count, o);
      if (!s.ok()) return s;
      auto want = [&](int64_t i) -> float {
        const float unit = static_cast<float>(1 + i % 13);
        switch (op) {
          case ReduceOp::kSum: return tri * unit;
          case ReduceOp::kAvg: return tri * unit / static_cast<float>(n);
          case ReduceOp::kMax: return static_cast<float>(n) * unit;
          case ReduceOp::kMin: return unit;
        }
        return 0.0f;
      };
      s = ExpectAll(data, want, rank);
      if (!s.ok()) return absl::InternalError(absl::StrCat(ReduceOpName(op), ": ", s.message()));
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
}

TEST_P(CollectivesTest, AsyncAllreducesCompleteInOrder) {
  const int n = this->n();
  const int64_t count = this->count();
  absl::Status status = RunWorld(n, [&](Communicator& comm, int rank) -> absl::Status {
    std::vector<std::vector<float>> bufs(3, std::vector<float>(count, rank + 1.0f));
    std::vector<std::unique_ptr<Work>> works;
    for (auto& b : bufs) works.push_back(comm.AllreduceAsync(b.data(), count));
    for (auto& w : works) {
      absl::Status s = w->Wait();
      if (!s.ok()) return s;
    }
    for (auto& b : bufs) {
      absl::Status s = ExpectAll(b, [&](int64_t) { return n * (n + 1) / 2.0f; }, rank);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
}

TEST_P(CollectivesTest, BroadcastFromEveryRoot) {
  const int n = this->n();
  const int64_t count = this->count();
  absl::Status status = RunWorld(n, [&](Communicator& comm, int rank) -> absl::Status {
    for (int root = 0; root < n; ++root) {
      std::vector<float> data(count);
      for (int64_t i = 0; i < count; ++i) data[i] = Contribution(rank, i);
      BroadcastOptions o;
      o.root = root;
      absl::Status s = comm.Broadcast(data.data(), count * 4, o);
      if (s.ok()) s = ExpectAll(data, [&](int64_t i) { return Contribution(root, i); }, rank);
      if (!s.ok()) return s;
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
}

TEST_P(CollectivesTest, AllgatherAndAllgatherv) {
  const int n = this->n();
  const int64_t count = this->count();
  absl::Status status = RunWorld(n, [&](Communicator& comm, int rank) -> absl::Status {
    std::vector<float> in(count);
    for (int64_t i = 0; i < count; ++i) in[i] = Contribution(rank, i);
    std::vector<float> out(count * n, -1.0f);
    absl::Status s = comm.Allgather(in.data(), count, out.data());
    if (!s.ok()) return s;
    s = ExpectAll(out, [&](int64_t j) { return Contribution(j / count, j % count); }, rank);
    if (!s.ok()) return s;
    // Rank r sends r + count bytes, each equal to r + 1.
    std::vector<uint8_t> bytes(rank + count, static_cast<uint8_t>(rank + 1));
    std::vector<std::vector<uint8_t>> got;
    s = comm.Allgatherv(bytes.data(), static_cast<int64_t>(bytes.size()), &got);
    if (!s.ok()) return s;
    for (int r = 0; r < n; ++r) {
      if (got[r] != std::vector<uint8_t>(r + count, static_cast<uint8_t>(r + 1))) {
        return absl::InternalError(absl::StrCat("allgatherv slot ", r, " wrong on rank ", rank));
      }
    }
    return absl::OkStatus();
  });
  EXPECT_TRUE(status.ok()) << status;
}

TEST_P(CollectivesTest, ReduceScatterSum) {
  const int n = this->n();
  const int64_t count = this->count();
  absl::Status status = RunWorld(n, [&](Communicator& comm, int rank) -> absl::Status {
    std::vector<float> in(count * n);
    for (int64_t j = 0; j < count * n; ++j) in[j] = Contribution(rank, j);
    std::vector<float> out(count, -1.0f);
    absl::Status s = comm.ReduceScatter(in.data(), out.data(), count);
    if (!s.ok()) return s;
    const float tri = n * (n + 1) / 2.0f;
    return ExpectAll(
        out, [&](int64_t i) { return tri * static_cast<float>(1 + (rank * count + i) % 13); },
        rank);
  });
  EXPECT_TRUE(status.ok()) << status;
}

INSTANTIATE_TEST_SUITE_P(WorldsAndCounts, CollectivesTest,
                         ::testing::Combine(::testing::Values(1, 2, 3, 4, 5, 7),
                                            ::testing::Values<int64_t>(0, 1, 7, 1027)),
                         [](const auto& info) {
                           return absl::StrCat("n", std::get<0>(info.param), "_count",
                                               std::get<1>(info.param));
                         });

}  // namespace
}  // namespace syncline::comm
