#include "federated/strategy.h"

#include <gtest/gtest.h>

#include "test_util.h"

namespace syncline::federated {
namespace {

using testing::At;
using testing::Vec;

std::unique_ptr<ServerStrategy> Make(proto::FederatedConfig c) {
  auto s = CreateStrategy(c);
  EXPECT_TRUE(s.ok()) << s.status();
  return std::move(*s);
}

// federated-conventions.md T6 (FedAdam).
void RunFedAdam(proto::FederatedConfig c, double x1a, double x1b, double x2a, double x2b) {
  c.set_strategy("fedadam");
  c.set_server_lr(0.1f);
  auto s = Make(c);
  Weights x = Vec({1, 1});
  s->Apply(Vec({0.1f, -0.2f}), &x);
  EXPECT_NEAR(At(x, 0), x1a, 1e-6);
  EXPECT_NEAR(At(x, 1), x1b, 1e-6);
  s->Apply(Vec({0.05f, 0.1f}), &x);
  EXPECT_NEAR(At(x, 0), x2a, 1e-6);
  EXPECT_NEAR(At(x, 1), x2b, 1e-6);
}

TEST(StrategyTest, FedAdamKnownAnswers) {
  proto::FederatedConfig c;
  RunFedAdam(c, 1.090909091, 0.904761905, 1.206272833, 0.870384438);
  c.set_server_v_init("tau_sq");
  RunFedAdam(c, 1.090502831, 0.904873948, 1.205450551, 0.870528941);
  c.set_server_v_init("zero");
  c.set_server_bias_correction(true);
  RunFedAdam(c, 1.090909091, 0.904761905, 1.176562030, 0.879238018);
}

TEST(StrategyTest, FedAvgServerLrAndErrors) {
  proto::FederatedConfig c;
  auto s = Make(c);
  Weights x = Vec({1, 2});
  s->Apply(Vec({0.5f, -1}), &x);
  EXPECT_FLOAT_EQ(At(x, 0), 1.5f);
  EXPECT_FLOAT_EQ(At(x, 1), 1.0f);
  c.set_strategy("fedsomething");
  auto bad = CreateStrategy(c);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("federated.strategy"), std::string::npos);
  c.set_strategy("fedadam");
  c.set_server_tau(0);
  EXPECT_FALSE(CreateStrategy(c).ok());
}

// Save, restore into a fresh strategy and continue equals an uninterrupted run.
TEST(StrategyTest, SaveLoadContinuesIdentically) {
  for (const char* name : {"fedadam", "fedhyper_g", "fedhyper_gm", "fedhyper_sl", "fedhyper_cl",
                           "fedhyper_g_cl", "fedhyper_full"}) {
    proto::FederatedConfig c;
    c.set_strategy(name);
    const std::vector<Weights> deltas = {Vec({0.1f, -0.2f}), Vec({0.3f, 0.1f}),
                                         Vec({0.2f, -0.05f}), Vec({-0.1f, 0.4f})};
    auto full = Make(c);
    Weights x_full = Vec({1, 1});
    for (const auto& d : deltas) full->Apply(d, &x_full);

    auto first = Make(c);
    Weights x = Vec({1, 1});
    first->Apply(deltas[0], &x);
    first->Apply(deltas[1], &x);
    proto::StateProto state;
    first->SaveState(&state);
    auto second = Make(c);
    ASSERT_TRUE(second->LoadState(state, x).ok()) << name;
    second->Apply(deltas[2], &x);
    second->Apply(deltas[3], &x);
    EXPECT_EQ(WeightsHash(x), WeightsHash(x_full)) << name;
    proto::Task t1, t2;
    full->ConfigureRound(4, &t1);
    second->ConfigureRound(4, &t2);
    EXPECT_EQ(t1.SerializeAsString(), t2.SerializeAsString()) << name;
  }
}

}  // namespace
}  // namespace syncline::federated
