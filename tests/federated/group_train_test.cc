// A client group (federated/group.h) trains the same local update as one
// process: TrainLocal over a 2- and 3-rank local world vs single-process
// TrainLocal on the same shard, task and seeds (equal up to float summation
// order), plain and FAL; commands relay from rank 0; a lost rank 0 is an error.
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/data/dataset.h"
#include "federated/group.h"
#include "federated/local_train.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "syncline/model_config.pb.h"
#include "syncline/optimizer_config.pb.h"
#include "tests/support/world.h"

namespace syncline::federated {
namespace {

using ::testing::HasSubstr;

const core::Dataset& Shard() {
  static const core::DatasetPair* data = new core::DatasetPair(core::MakeSyntheticDataset(203, 8, 3));
  return data->train;
}

std::unique_ptr<core::Model> MakeModel() {
  proto::ModelConfig config;
  config.set_name("mlp");
  config.add_hidden_sizes(32);
  return std::move(*core::BuildModel(config, {1, 28, 28}, 10, 11));
}

proto::Task MakeTask(bool fal) {
  proto::Task task;
  task.set_kind(proto::Task::TRAIN);
  task.set_round(2);
  proto::RoundConfig* rc = task.mutable_config();
  rc->set_local_epochs(2);
  rc->set_local_batch(20);  // 203 examples: the last batch of each epoch has 3
  rc->set_local_lr(0.05f);
  rc->set_seed(9);
  if (fal) {
    rc->set_fal(true);
    rc->set_fal_epsilon(0.1f);
    rc->set_fal_steps(3);
    rc->set_fal_step_size(0.04f);
    rc->set_fal_rand_init(true);
    rc->set_fal_domain_min(0);
    rc->set_fal_domain_max(1);
  }
  return task;
}

proto::OptimizerConfig Sgd() {
  proto::OptimizerConfig o;
  o.set_name("sgd");
  o.set_momentum(0.9f);
  return o;
}

// Largest |a - b| over all elements, relative to the largest |a|.
double RelativeDiff(const Weights& a, const Weights& b) {
  double diff = 0, scale = 1e-12;
  for (size_t i = 0; i < a.size(); ++i) {
    for (int64_t k = 0; k < a[i].value.numel(); ++k) {
      diff = std::max(diff, static_cast<double>(std::abs(a[i].value[k] - b[i].value[k])));
      scale = std::max(scale, static_cast<double>(std::abs(a[i].value[k])));
    }
  }
  return diff / scale;
}

LocalResult TrainSingle(bool fal) {
  auto model = MakeModel();
  const ValueRange range = DataRange(Shard());
  auto r = TrainLocal(model.get(), Sgd(), Shard(), MakeTask(fal), 4, range);
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : LocalResult{};
}

// Every rank's result from a `ranks`-rank group.
std::vector<LocalResult> TrainGroup(int ranks, bool fal) {
  std::vector<LocalResult> results(ranks);
  absl::Status s = testing::RunWorld(ranks, [&](comm::Communicator& comm, int rank) {
    auto model = MakeModel();
    ClientGroup group(&comm, GroupOptions{});
    if (absl::Status st = group.Start(model.get()); !st.ok()) return st;
    auto r = TrainLocal(model.get(), Sgd(), Shard(), MakeTask(fal), 4, DataRange(Shard()), &group);
    group.Release();
    if (!r.ok()) return r.status();
    results[rank] = *r;
    return absl::OkStatus();
  });
  EXPECT_TRUE(s.ok()) << s;
  return results;
}

class GroupTrainTest : public ::testing::TestWithParam<std::tuple<int, bool>> {};

TEST_P(GroupTrainTest, MatchesSingleProcess) {
  const auto [ranks, fal] = GetParam();
  const LocalResult single = TrainSingle(fal);
  const std::vector<LocalResult> group = TrainGroup(ranks, fal);
  ASSERT_EQ(group.size(), static_cast<size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    SCOPED_TRACE(absl::StrCat("rank ", r));
    ASSERT_EQ(group[r].delta.size(), single.delta.size());
    EXPECT_EQ(group[r].num_examples, 203);
    // 22 SGD steps with momentum: only float summation order differs.
    EXPECT_LT(RelativeDiff(single.delta, group[r].delta), 1e-5);
    EXPECT_NEAR(group[r].metrics.at("train_loss"), single.metrics.at("train_loss"), 1e-4);
    EXPECT_DOUBLE_EQ(group[r].metrics.at("train_accuracy"), single.metrics.at("train_accuracy"));
  }
  // Not vacuous: training moved the model.
  EXPECT_GT(std::abs(Dot(single.delta, single.delta)), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Ranks, GroupTrainTest,
                         ::testing::Combine(::testing::Values(2, 3), ::testing::Bool()));

TEST(ClientGroupTest, RelaysCommandsFromRankZero) {
  std::vector<std::string> got(3);
  absl::Status s = testing::RunWorld(3, [&](comm::Communicator& comm, int rank) {
    ClientGroup group(&comm, GroupOptions{});
    if (rank == 0) {
      if (absl::Status st = group.Send(GroupCommand::kWait); !st.ok()) return st;
      if (absl::Status st = group.Send(GroupCommand::kTrain, "task bytes"); !st.ok()) return st;
      return group.Send(GroupCommand::kAbort, "server gone");
    }
    GroupCommand kind;
    std::string payload;
    for (int i = 0; i < 3; ++i) {
      if (absl::Status st = group.Receive(&kind, &payload); !st.ok()) return st;
      absl::StrAppend(&got[rank], static_cast<int>(kind), ":", payload, ";");
    }
    return absl::OkStatus();
  });
  ASSERT_TRUE(s.ok()) << s;
  EXPECT_EQ(got[1], "0:;1:task bytes;3:server gone;");
  EXPECT_EQ(got[2], got[1]);
}

TEST(ClientGroupTest, FollowerTimesOutWhenRankZeroIsSilent) {
  std::vector<absl::Status> statuses = testing::RunWorldStatuses(2, [&](comm::Communicator& comm, int rank) {
    GroupOptions o;
    o.idle_timeout = absl::Milliseconds(300);
    ClientGroup group(&comm, o);
    if (rank == 0) return absl::OkStatus();  // never sends
    GroupCommand kind;
    std::string payload;
    return group.Receive(&kind, &payload);
  });
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_FALSE(statuses[1].ok());
  EXPECT_THAT(std::string(statuses[1].message()), HasSubstr("group command from rank 0"));
}

}  // namespace
}  // namespace syncline::federated
