// DataParallel over the local backend: N ranks with per-rank batch B/N end
// with the same parameters as 1 rank with batch B; mismatched models fail
// with an error naming the rank and tensor; reductions start during Backward.
#include "comm/data_parallel.h"

#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/data/dataset.h"
#include "core/loss.h"
#include "core/model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "syncline/comm_config.pb.h"
#include "tests/support/world.h"

namespace syncline::comm {
namespace {

using ::testing::HasSubstr;
using testing::RunWorld;
using testing::RunWorldStatuses;

constexpr int kSteps = 4;
constexpr float kLr = 0.1f;

std::unique_ptr<core::Model> MakeMlp(uint64_t seed, int hidden = 24) {
  proto::ModelConfig config;
  config.set_name("mlp");
  config.add_hidden_sizes(hidden);
  config.add_hidden_sizes(16);
  return std::move(*core::BuildModel(config, {1, 28, 28}, 10, seed));
}

const core::Dataset& Data() {
  static const core::DatasetPair* data = new core::DatasetPair(core::MakeSyntheticDataset(256, 8, 7));
  return data->train;
}

// One SGD step on examples [begin, end) of the step's global batch; `dp`
// null means single process. Returns the loss.
absl::Status Step(core::Model& model, DataParallel* dp, int64_t begin, int64_t end, float weight) {
  model.ZeroGrad();
  if (dp) dp->BeginStep(weight);
  if (end > begin) {
    std::vector<int64_t> idx;
    for (int64_t i = begin; i < end; ++i) idx.push_back(i);
    core::Tensor x, dlogits;
    std::vector<int32_t> y;
    core::GatherBatch(Data(), idx, &x, &y);
    core::SoftmaxCrossEntropy(model.Forward(x), y, &dlogits);
    model.Backward(dlogits);
  }
  if (dp) {
    absl::Status s = dp->FinishStep();
    if (!s.ok()) return s;
  }
  for (const auto& p : model.Parameters()) {
    for (int64_t i = 0; i < p.value->numel(); ++i) (*p.value)[i] -= kLr * (*p.grad)[i];
  }
  return absl::OkStatus();
}

std::vector<std::vector<float>> Snapshot(core::Model& model) {
  std::vector<std::vector<float>> out;
  for (const auto& p : model.Parameters()) out.push_back(p.value->vec());
  return out;
}

// Splits each global batch of `sizes` total over ranks as `sizes` says.
std::vector<std::vector<float>> Reference(int64_t global_batch) {
  auto model = MakeMlp(100);
  for (int k = 0; k < kSteps; ++k) {
    EXPECT_TRUE(Step(*model, nullptr, k * global_batch, (k + 1) * global_batch, 1.0f).ok());
  }
  return Snapshot(*model);
}

void ExpectClose(const std::vector<std::vector<float>>& got,
                 const std::vector<std::vector<float>>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t t = 0; t < got.size(); ++t) {
    ASSERT_EQ(got[t].size(), want[t].size());
    for (size_t i = 0; i < got[t].size(); ++i) {
      ASSERT_NEAR(got[t][i], want[t][i], 2e-5f + 2e-4f * std::fabs(want[t][i]))
          << what << " tensor " << t << " index " << i;
    }
  }
}

class Equivalence : public ::testing::TestWithParam<int> {};

TEST_P(Equivalence, NRanksWithBatchBOverNMatchOneRankWithBatchB) {
  const int n = GetParam();
  const int64_t global = 24, local = global / n;
  const auto want = Reference(global);
  std::vector<std::vector<std::vector<float>>> got(n);
  absl::Status status = RunWorld(n, [&](Communicator& comm, int rank) -> absl::Status {
    auto model = MakeMlp(100 + rank);  // different init: Start() must broadcast rank 0's
    DataParallelOptions options;
    options.bucket_mb = 0.004;  // several buckets
    DataParallel dp(model.get(), &comm, options);
    absl::Status s = dp.Start();
    for (int k = 0; k < kSteps && s.ok(); ++k) {
      s = Step(*model, &dp, k * global + rank * local, k * global + (rank + 1) * local, 1.0f);
    }
    got[rank] = Snapshot(*model);
    return s;
  });
  ASSERT_TRUE(status.ok()) << status;
  for (int r = 0; r < n; ++r) ExpectClose(got[r], want, absl::StrCat("rank ", r));
}

INSTANTIATE_TEST_SUITE_P(WorldSizes, Equivalence, ::testing::Values(1, 2, 3, 4));

TEST(DataParallel, UnevenAndEmptyLocalBatchesGiveTheGlobalMean) {
  const int64_t sizes[3] = {5, 4, 0};  // global 9; rank 2 has nothing this step
  const auto want = Reference(9);
  std::vector<std::vector<std::vector<float>>> got(3);
  absl::Status status = RunWorld(3, [&](Communicator& comm, int rank) -> absl::Status {
    auto model = MakeMlp(100);
    DataParallel dp(model.get(), &comm);
    absl::Status s = dp.Start();
    const int64_t offset = rank == 0 ? 0 : (rank == 1 ? 5 : 9);
    const float weight = static_cast<float>(sizes[rank]) * 3 / 9;
    for (int k = 0; k < kSteps && s.ok(); ++k) {
      s = Step(*model, &dp, k * 9 + offset, k * 9 + offset + sizes[rank], weight);
    }
    got[rank] = Snapshot(*model);
    return s;
  });
  ASSERT_TRUE(status.ok()) << status;
  for (int r = 0; r < 3; ++r) ExpectClose(got[r], want, absl::StrCat("rank ", r));
}

TEST(DataParallel, DifferentModelIsAnErrorNamingRankAndTensor) {
  auto statuses = RunWorldStatuses(3, [](Communicator& comm, int rank) {
    auto model = MakeMlp(1, rank == 1 ? 25 : 24);
    DataParallel dp(model.get(), &comm);
    return dp.Start();
  });
  for (const auto& s : statuses) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr("rank 1: parameter #0 is \"fc1.weight [25, 784]\""));
    EXPECT_THAT(std::string(s.message()), HasSubstr("rank 0 has \"fc1.weight [24, 784]\""));
  }
}

TEST(DataParallel, BucketReductionsStartDuringBackward) {
  std::vector<int64_t> issued_in_backward(2), buckets(2);
  absl::Status status = RunWorld(2, [&](Communicator& comm, int rank) -> absl::Status {
    auto model = MakeMlp(3);
    DataParallelOptions options;
    options.bucket_mb = 0.004;
    DataParallel dp(model.get(), &comm, options);
    absl::Status s = dp.Start();
    if (!s.ok()) return s;
    buckets[rank] = static_cast<int64_t>(dp.buckets().size());
    model->ZeroGrad();
    dp.BeginStep();
    std::vector<int64_t> idx = {0, 1, 2, 3};
    core::Tensor x, dlogits;
    std::vector<int32_t> y;
    core::GatherBatch(Data(), idx, &x, &y);
    core::SoftmaxCrossEntropy(model->Forward(x), y, &dlogits);
    const int64_t before = comm.sequence();
    model->Backward(dlogits);
    issued_in_backward[rank] = comm.sequence() - before;
    return dp.FinishStep();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_GE(buckets[0], 2);
  EXPECT_EQ(issued_in_backward[0], buckets[0]);  // every bucket launched by the hook
}

TEST(DataParallel, BroadcastMessageCopiesRankZerosState) {
  std::vector<std::string> got(3);
  absl::Status status = RunWorld(3, [&](Communicator& comm, int rank) -> absl::Status {
    auto model = MakeMlp(3);
    DataParallel dp(model.get(), &comm);
    proto::CommConfig state;
    state.set_backend(absl::StrCat("from rank ", rank));
    absl::Status s = dp.BroadcastMessage(&state);
    got[rank] = state.backend();
    return s;
  });
  ASSERT_TRUE(status.ok()) << status;
  for (const auto& g : got) EXPECT_EQ(g, "from rank 0");
}

}  // namespace
}  // namespace syncline::comm
