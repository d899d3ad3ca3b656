// MKOR across ranks (specs/mkor.md T10) and MKOR-H (T11 and the optimizer's switch).
// Ranks are threads sharing tests/optim/thread_comm.h's in-process communicator.
#include <cmath>
#include <mutex>

#include "gtest/gtest.h"
#include "optim/factory.h"
#include "optim/mkor.h"
#include "optim/mkor_h.h"
#include "tests/optim/mkor_test_util.h"
#include "tests/optim/thread_comm.h"

namespace syncline::optim {
namespace {

using testing::LayerSpec;
using testing::MakeData;
using testing::MkorConfig;
using testing::RunRanks;
using testing::TinyNet;

const std::vector<LayerSpec> kSpecs = {{"fc1", 3, 4, true}, {"fc2", 4, 2, false}, {"fc3", 2, 3, true}};
constexpr int kRows = 12;
constexpr int kSteps = 6;

// Trains kSteps on rows [begin, end) with data-parallel gradient averaging
// (what DataParallel does before the optimizer) and returns the parameters.
std::vector<std::vector<float>> Train(const proto::OptimizerConfig& c, comm::Communicator* comm,
                                      int begin, int end, std::vector<float>* left0 = nullptr) {
  std::vector<std::vector<float>> x, t;
  MakeData(kSpecs, kRows, 17, &x, &t);
  TinyNet net(kSpecs, 23);
  auto mkor = Mkor::Create(c, net.params().params(), net.stats(), {}, comm);
  EXPECT_TRUE(mkor.ok()) << mkor.status();
  for (int step = 0; step < kSteps; ++step) {
    net.Backward(x, t, begin, end, (*mkor)->IsFactorStep(step));
    if (comm != nullptr) {
      for (const auto& p : net.params().params()) {
        EXPECT_TRUE(comm->Allreduce(p.grad->data(), p.grad->numel()).ok());
        for (float& g : p.grad->vec()) g /= comm->size();
      }
    }
    EXPECT_TRUE((*mkor)->Step().ok());
  }
  if (left0) *left0 = (*mkor)->left_inverse(0);
  std::vector<std::vector<float>> out;
  for (const auto& p : net.params().params()) out.push_back(p.value->vec());
  return out;
}

void ExpectClose(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b,
                 double tol, const std::string& what) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t p = 0; p < a.size(); ++p) {
    for (size_t i = 0; i < a[p].size(); ++i) EXPECT_NEAR(a[p][i], b[p][i], tol) << what << " param " << p;
  }
}

TEST(MkorDistributedTest, DataParallelEqualsSingleProcessOnFullBatch) {
  for (const std::string base : {"sgd", "lamb"}) {
    proto::OptimizerConfig c = MkorConfig(base, 2);
    c.set_lr(base == "sgd" ? 0.05f : 0.01f);
    const auto single = Train(c, nullptr, 0, kRows);
    for (int ranks : {2, 3, 4}) {
      std::mutex mu;
      std::vector<std::vector<std::vector<float>>> per_rank(ranks);
      RunRanks(ranks, [&](int r, comm::Communicator* comm) {
        auto got = Train(c, comm, r * kRows / ranks, (r + 1) * kRows / ranks);
        std::lock_guard<std::mutex> lock(mu);
        per_rank[r] = std::move(got);
      });
      for (int r = 0; r < ranks; ++r) {
        ExpectClose(per_rank[r], single, 2e-5, base + " ranks " + std::to_string(ranks));
        EXPECT_EQ(per_rank[r], per_rank[0]) << "ranks must agree bit for bit";
      }
    }
  }
}

TEST(MkorDistributedTest, DistributedPreconditioningEqualsEveryRankPreconditioning) {
  for (const std::string base : {"sgd", "lamb"}) {
    proto::OptimizerConfig on = MkorConfig(base, 2);
    on.set_lr(base == "sgd" ? 0.05f : 0.01f);
    proto::OptimizerConfig off = on;
    off.mutable_mkor()->set_distribute_preconditioning(false);
    for (int ranks : {2, 3}) {
      std::mutex mu;
      std::vector<std::vector<std::vector<float>>> with(ranks), without(ranks);
      for (auto* c : {&on, &off}) {
        RunRanks(ranks, [&](int r, comm::Communicator* comm) {
          auto got = Train(*c, comm, r * kRows / ranks, (r + 1) * kRows / ranks);
          std::lock_guard<std::mutex> lock(mu);
          (c == &on ? with : without)[r] = std::move(got);
        });
      }
      for (int r = 0; r < ranks; ++r) {
        EXPECT_EQ(with[r], without[r]) << base << " ranks " << ranks << " rank " << r;
      }
    }
  }
}

TEST(MkorDistributedTest, T10IdenticalDataAveragedExactlyOnce) {
  proto::OptimizerConfig c = MkorConfig("sgd", 1);
  std::vector<float> single_left;
  Train(c, nullptr, 0, kRows, &single_left);
  for (bool double_average : {false, true}) {
    proto::OptimizerConfig cc = c;
    cc.mutable_mkor()->set_compat_double_average(double_average);
    std::vector<float> rank0_left;
    RunRanks(3, [&](int r, comm::Communicator* comm) {
      std::vector<float> left;
      Train(cc, comm, 0, kRows, &left);  // every rank holds the full batch
      if (r == 0) rank0_left = left;
    });
    ASSERT_EQ(rank0_left.size(), single_left.size());
    double max_diff = 0;
    for (size_t i = 0; i < single_left.size(); ++i) {
      max_diff = std::max(max_diff, std::fabs(static_cast<double>(rank0_left[i]) - single_left[i]));
    }
    if (double_average) {
      EXPECT_GT(max_diff, 1e-3) << "the compat mode divides by P twice";
    } else {
      EXPECT_LT(max_diff, 1e-5);
    }
  }
}

TEST(MkorDistributedTest, ResyncBroadcastsFactorsFromRankZero) {
  proto::OptimizerConfig c = MkorConfig("sgd", 1);
  c.mutable_mkor()->set_resync_every(2);
  c.mutable_mkor()->set_factor_dtype("fp16");
  c.mutable_mkor()->set_comm_dtype("fp16");
  std::vector<std::vector<float>> lefts(2);
  RunRanks(2, [&](int r, comm::Communicator* comm) {
    Train(c, comm, r * kRows / 2, (r + 1) * kRows / 2, &lefts[r]);
  });
  EXPECT_EQ(lefts[0], lefts[1]);
}

// specs/mkor.md T11: l_t = 10 - 0.01 t (t <= 400), then 6 - 0.001 (t - 400).
int64_t SwitchStep(float ema, int patience, int64_t force = 0, bool constant_slope = false) {
  proto::MkorHConfig h;
  h.set_ema(ema);
  h.set_patience(patience);
  h.set_force_step(force);
  mkor::SwitchDetector d(h);
  for (int64_t t = 0; t < 2000; ++t) {
    const double loss = constant_slope || t <= 400 ? 10 - 0.01 * t : 6 - 0.001 * (t - 400);
    if (d.Observe(t, loss)) return d.switch_step();
  }
  return -1;
}

TEST(MkorHTest, T11KneeDetectorKnownAnswers) {
  EXPECT_EQ(SwitchStep(0.9f, 3), 520);
  EXPECT_EQ(SwitchStep(0.9f, 1), 500);
  EXPECT_EQ(SwitchStep(0.0f, 1), 490);
  EXPECT_EQ(SwitchStep(0.0f, 3), 510);
  EXPECT_EQ(SwitchStep(0.9f, 3, 0, true), -1);
  proto::MkorHConfig h;
  h.set_force_step(600);
  mkor::SwitchDetector forced(h);
  int64_t at = -1;
  for (int64_t t = 0; t < 700 && at < 0; ++t) {
    if (forced.Observe(t, 10.0)) at = forced.switch_step();
  }
  EXPECT_EQ(at, 600);
}

TEST(MkorHTest, DetectorStateRoundTrips) {
  proto::MkorHConfig h;
  mkor::SwitchDetector a(h), b(h);
  for (int64_t t = 0; t < 450; ++t) a.Observe(t, t <= 400 ? 10 - 0.01 * t : 6 - 0.001 * (t - 400));
  proto::StateProto st;
  a.SaveState("h/", &st);
  ASSERT_TRUE(b.LoadState(st, "h/").ok());
  int64_t sa = -1, sb = -1;
  for (int64_t t = 450; t < 700; ++t) {
    const double loss = 6 - 0.001 * (t - 400);
    if (sa < 0 && a.Observe(t, loss)) sa = a.switch_step();
    if (sb < 0 && b.Observe(t, loss)) sb = b.switch_step();
  }
  EXPECT_EQ(sa, 520);
  EXPECT_EQ(sb, 520);
}

TEST(MkorHTest, OptimizerSwitchesLogsFreesFactorsAndCheckpoints) {
  std::vector<std::vector<float>> x, t;
  MakeData(kSpecs, kRows, 17, &x, &t);
  TinyNet net(kSpecs, 23);
  proto::OptimizerConfig c = MkorConfig("lamb", 1);
  c.set_name("mkor_h");
  c.mutable_mkor()->mutable_h()->set_force_step(3);
  std::vector<bool> collect;
  auto mkor = Mkor::Create(c, net.params().params(), net.stats(), [&](bool on) { collect.push_back(on); },
                           nullptr);
  ASSERT_TRUE(mkor.ok());
  EXPECT_EQ((*mkor)->name(), "mkor_h");
  for (int step = 0; step < 6; ++step) {
    const double loss = net.Backward(x, t, 0, kRows, step <= 3);
    (*mkor)->set_step_loss(loss);
    ASSERT_TRUE((*mkor)->Step().ok());
    std::vector<OptimizerEvent> events = (*mkor)->TakeEvents();
    if (step == 3) {
      ASSERT_EQ(events.size(), 1u);
      EXPECT_EQ(events[0].name, "mkor_h_switch");
      EXPECT_EQ(events[0].step, 3);
    } else {
      EXPECT_TRUE(events.empty());
    }
  }
  EXPECT_TRUE((*mkor)->switched());
  EXPECT_TRUE((*mkor)->left_inverse(0).empty());
  EXPECT_EQ(collect, (std::vector<bool>{true, true, true, true, false, false, false}));
  // After the switch MKOR passes gradients through: it steps exactly like its base.
  proto::StateProto st;
  (*mkor)->SaveState(&st);
  TinyNet twin(kSpecs, 1);
  for (size_t p = 0; p < net.params().params().size(); ++p) {
    twin.params().value(p).vec() = net.params().value(p).vec();
  }
  auto resumed = Mkor::Create(c, twin.params().params(), twin.stats(), {}, nullptr);
  ASSERT_TRUE((*resumed)->LoadState(st).ok());
  EXPECT_TRUE((*resumed)->switched());
  EXPECT_EQ((*resumed)->switch_step(), 3);
  proto::StateProto base_state;
  (*mkor)->base().SaveState(&base_state);
  TinyNet plain_net(kSpecs, 1);
  for (size_t p = 0; p < net.params().params().size(); ++p) {
    plain_net.params().value(p).vec() = net.params().value(p).vec();
  }
  proto::OptimizerConfig lc = c;
  lc.set_name("lamb");
  auto plain = CreateFirstOrderOptimizer(lc, plain_net.params().params());
  ASSERT_TRUE((*plain)->LoadState(base_state).ok());
  for (int step = 6; step < 9; ++step) {
    net.Backward(x, t, 0, kRows, false);
    twin.Backward(x, t, 0, kRows, false);
    plain_net.Backward(x, t, 0, kRows, false);
    ASSERT_TRUE((*mkor)->Step().ok());
    ASSERT_TRUE((*resumed)->Step().ok());
    ASSERT_TRUE((*plain)->Step().ok());
  }
  for (size_t p = 0; p < net.params().params().size(); ++p) {
    EXPECT_EQ(net.params().value(p).vec(), twin.params().value(p).vec());
    EXPECT_EQ(net.params().value(p).vec(), plain_net.params().value(p).vec());
  }
}

}  // namespace
}  // namespace syncline::optim
