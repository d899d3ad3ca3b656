// Model composition, the model zoo, hooks and rank-1 statistics.
#include "core/model.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>

#include "core/layers/conv2d.h"
#include "core/layers/linear.h"
#include "core/loss.h"
#include "tests/support/gradient_check.h"

namespace syncline::core {
namespace {

using testing::ExpectModuleGradients;
using testing::FillUniform;

std::vector<std::pair<std::string, Shape>> NamesAndShapes(Model* m) {
  std::vector<std::pair<std::string, Shape>> out;
  for (const Parameter& p : m->Parameters()) out.emplace_back(p.name, p.value->shape());
  return out;
}

TEST(BuildModelTest, DefaultMlpNamesAndShapes) {
  proto::ModelConfig config;
  auto model = BuildModel(config, {1, 28, 28}, 10, 1);
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<std::pair<std::string, Shape>> want = {
      {"fc1.weight", {512, 784}}, {"fc1.bias", {512}},  {"fc2.weight", {512, 512}},
      {"fc2.bias", {512}},        {"fc3.weight", {10, 512}}, {"fc3.bias", {10}}};
  EXPECT_EQ(NamesAndShapes(model->get()), want);
  EXPECT_EQ((*model)->NumParameterElements(), 784 * 512 + 512 + 512 * 512 + 512 + 5120 + 10);
  Tensor y = (*model)->Forward(Tensor({3, 1, 28, 28}, 0.5f));
  EXPECT_EQ(y.shape(), (Shape{3, 10}));
}

TEST(BuildModelTest, MlpWithLayerNormAndCustomSizes) {
  proto::ModelConfig config;
  config.add_hidden_sizes(32);
  config.set_layer_norm(true);
  config.set_activation("gelu");
  config.set_dropout(0.1f);
  auto model = BuildModel(config, {1, 4, 4}, 3, 1);
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<std::pair<std::string, Shape>> want = {{"fc1.weight", {32, 16}}, {"fc1.bias", {32}},
                                                     {"ln1.weight", {32}},     {"ln1.bias", {32}},
                                                     {"fc2.weight", {3, 32}},  {"fc2.bias", {3}}};
  EXPECT_EQ(NamesAndShapes(model->get()), want);
}

TEST(BuildModelTest, DefaultCnnNamesAndShapes) {
  proto::ModelConfig config;
  config.set_name("cnn");
  auto model = BuildModel(config, {1, 28, 28}, 10, 1);
  ASSERT_TRUE(model.ok()) << model.status();
  std::vector<std::pair<std::string, Shape>> want = {
      {"conv1.weight", {32, 9}},         {"conv1.bias", {32}},  {"conv2.weight", {64, 288}},
      {"conv2.bias", {64}},              {"fc1.weight", {128, 64 * 7 * 7}}, {"fc1.bias", {128}},
      {"fc2.weight", {10, 128}},         {"fc2.bias", {10}}};
  EXPECT_EQ(NamesAndShapes(model->get()), want);
  Tensor y = (*model)->Forward(Tensor({2, 1, 28, 28}, 0.5f));
  EXPECT_EQ(y.shape(), (Shape{2, 10}));
}

TEST(BuildModelTest, SameSeedSameWeights) {
  proto::ModelConfig config;
  auto a = BuildModel(config, {1, 8, 8}, 10, 5);
  auto b = BuildModel(config, {1, 8, 8}, 10, 5);
  auto c = BuildModel(config, {1, 8, 8}, 10, 6);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ((*a)->Parameters()[2].value->vec(), (*b)->Parameters()[2].value->vec());
  EXPECT_NE((*a)->Parameters()[2].value->vec(), (*c)->Parameters()[2].value->vec());
  // Layers get independent streams: fc1 and fc2 biases differ.
  EXPECT_NE((*a)->Parameters()[1].value->vec(), (*a)->Parameters()[3].value->vec());
}

TEST(BuildModelTest, Errors) {
  proto::ModelConfig config;
  config.set_name("resnet9000");
  auto bad = BuildModel(config, {1, 28, 28}, 10, 1);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "model.name: unknown model 'resnet9000' (expected mlp or cnn)");
  config.set_name("mlp");
  config.add_hidden_sizes(16);
  config.add_hidden_sizes(0);
  EXPECT_EQ(BuildModel(config, {1, 28, 28}, 10, 1).status().message(),
            "model.hidden_sizes[1]: must be > 0, got 0");
  config.clear_hidden_sizes();
  config.set_activation("tanh");
  EXPECT_THAT(std::string(BuildModel(config, {1, 28, 28}, 10, 1).status().message()),
              ::testing::HasSubstr("model.activation"));
  config.set_activation("relu");
  config.set_name("cnn");
  config.set_conv_kernel_size(4);
  EXPECT_THAT(std::string(BuildModel(config, {1, 28, 28}, 10, 1).status().message()),
              ::testing::HasSubstr("model.conv_kernel_size"));
  config.set_conv_kernel_size(5);
  config.add_conv_channels(8);
  EXPECT_THAT(std::string(BuildModel(config, {1, 28, 28}, 10, 1).status().message()),
              ::testing::HasSubstr("model.conv_channels"));
}

TEST(ModelTest, WholeMlpGradients) {
  proto::ModelConfig config;
  config.add_hidden_sizes(6);
  config.add_hidden_sizes(5);
  config.set_layer_norm(true);
  config.set_activation("gelu");
  config.set_dropout(0.2f);
  auto model = BuildModel(config, {1, 3, 3}, 4, 3);
  ASSERT_TRUE(model.ok());
  Tensor x({3, 1, 3, 3});
  FillUniform(&x, 30);
  ExpectModuleGradients(model->get(), x);
}

TEST(ModelTest, WholeCnnGradients) {
  proto::ModelConfig config;
  config.set_name("cnn");
  config.add_conv_channels(2);
  config.add_conv_channels(3);
  config.set_cnn_hidden(5);
  auto model = BuildModel(config, {1, 8, 8}, 3, 4);
  ASSERT_TRUE(model.ok());
  Tensor x({2, 1, 8, 8});
  FillUniform(&x, 31);
  testing::GradCheckOptions opt;
  opt.eps = 1e-3;  // small enough that no ReLU / max-pool decision flips
  opt.atol = 5e-3;
  ExpectModuleGradients(model->get(), x, opt);
}

TEST(ModelTest, GradReadyHookFiresInReverseLayerOrder) {
  proto::ModelConfig config;
  auto model = BuildModel(config, {1, 4, 4}, 3, 1);
  ASSERT_TRUE(model.ok());
  std::vector<std::pair<int, int>> calls;
  (*model)->SetGradReadyHook([&](int first, int n) { calls.emplace_back(first, n); });
  Tensor y = (*model)->Forward(Tensor({2, 1, 4, 4}, 1.0f));
  (*model)->Backward(Tensor(y.shape(), 1.0f));
  EXPECT_EQ(calls, (std::vector<std::pair<int, int>>{{4, 2}, {2, 2}, {0, 2}}));
}

TEST(ModelTest, InputGradCanBeSkipped) {
  proto::ModelConfig config;
  auto model = BuildModel(config, {1, 4, 4}, 3, 1);
  ASSERT_TRUE(model.ok());
  Tensor y = (*model)->Forward(Tensor({2, 1, 4, 4}, 1.0f));
  EXPECT_EQ((*model)->Backward(Tensor(y.shape(), 1.0f)).shape(), (Shape{2, 1, 4, 4}));
  (*model)->set_compute_input_grad(false);
  (*model)->Forward(Tensor({2, 1, 4, 4}, 1.0f));
  EXPECT_TRUE((*model)->Backward(Tensor(y.shape(), 1.0f)).empty());
}

// A parameterless layer that counts its Backward calls.
class BackwardSpy : public Module {
 public:
  explicit BackwardSpy(int* calls) : calls_(calls) {}
  void ForwardInto(const Tensor& x, Tensor* y) override { *y = x; }
  void BackwardInto(const Tensor& dy, Tensor* dx) override {
    ++*calls_;
    if (dx != nullptr) *dx = dy;
  }

 private:
  int* calls_;
};

// Like the mlp's "flatten" in front of fc1: without an input gradient neither
// the spy's Backward nor the Linear's input GEMM runs, and the parameter
// gradients are the same as with it.
TEST(ModelTest, SkippedInputGradSkipsLayersInFrontOfTheFirstParameters) {
  int calls = 0;
  Model model;
  model.Add("spy", std::make_unique<BackwardSpy>(&calls));
  model.Add("fc", std::make_unique<Linear>(3, 2, true, 7));
  Tensor x({4, 3});
  FillUniform(&x, 1);
  auto grads = [&](bool input_grad) {
    model.set_compute_input_grad(input_grad);
    model.ZeroGrad();
    Tensor y = model.Forward(x);
    Tensor dx = model.Backward(Tensor(y.shape(), 1.0f));
    EXPECT_EQ(dx.empty(), !input_grad);
    std::vector<std::vector<float>> out;
    for (const Parameter& p : model.Parameters()) out.push_back(p.grad->vec());
    return out;
  };
  const auto with = grads(true);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(grads(false), with);
  EXPECT_EQ(calls, 1);
}

TEST(ModelTest, RngCounterAdvancesInTrainingAndReplays) {
  proto::ModelConfig config;
  config.set_dropout(0.5f);
  auto model = BuildModel(config, {1, 4, 4}, 3, 1);
  ASSERT_TRUE(model.ok());
  Model& m = **model;
  Tensor x({4, 1, 4, 4}, 1.0f);
  Tensor first = m.Forward(x);
  EXPECT_EQ(m.rng_counter(), 1u);
  Tensor second = m.Forward(x);
  EXPECT_NE(first.vec(), second.vec());
  m.set_rng_counter(1);  // as a resume from a checkpoint taken after step 1
  EXPECT_EQ(m.Forward(x).vec(), second.vec());
  m.SetTraining(false);
  m.Forward(x);
  EXPECT_EQ(m.rng_counter(), 2u);
}

TEST(Rank1StatsTest, LinearValues) {
  Linear fc(2, 2, true, 1);
  fc.set_collect_rank1_stats(true);
  fc.Forward(Tensor({2, 2}, {1, 2, 3, 6}));
  fc.Backward(Tensor({2, 2}, {0.5f, 1, 1.5f, -3}));
  const Rank1Stats* s = fc.rank1_stats();
  EXPECT_EQ(s->a.vec(), (std::vector<float>{2, 4, 1}));   // mean rows, then the bias 1
  EXPECT_EQ(s->g.vec(), (std::vector<float>{2, -2}));     // n * mean = column sums
  EXPECT_EQ(s->weight, &fc.weight());
}

TEST(Rank1StatsTest, ConvValues) {
  // 1x1 kernel, 1 input channel: patches are single pixels.
  Conv2d conv(1, 2, 1, 1, 0, true, 1);
  conv.set_collect_rank1_stats(true);
  conv.Forward(Tensor({2, 1, 1, 2}, {1, 3, 5, 7}));
  conv.Backward(Tensor({2, 2, 1, 2}, {1, 1, 2, 0, 3, 1, 0, 4}));
  const Rank1Stats* s = conv.rank1_stats();
  // a: sample means 2 and 6 -> 4; then the bias 1.
  EXPECT_EQ(s->a.vec(), (std::vector<float>{4, 1}));
  // g[c] = mean_n (n * sum_L dy / L) = sum over n, L of dy / L: c0 (1+1+3+1)/2, c1 (2+0+0+4)/2.
  EXPECT_EQ(s->g.vec(), (std::vector<float>{3, 3}));
}

TEST(Rank1StatsTest, OnlyWhenEnabledAndNamed) {
  proto::ModelConfig config;
  config.set_name("cnn");
  config.add_conv_channels(2);
  config.add_conv_channels(2);
  config.set_cnn_hidden(4);
  auto model = BuildModel(config, {1, 8, 8}, 3, 1);
  ASSERT_TRUE(model.ok());
  std::vector<Rank1Stats*> layers = (*model)->Rank1Layers();
  ASSERT_EQ(layers.size(), 4u);
  EXPECT_EQ(layers[0]->layer, "conv1");
  EXPECT_EQ(layers[3]->layer, "fc2");
  Tensor y = (*model)->Forward(Tensor({2, 1, 8, 8}, 1.0f));
  (*model)->Backward(Tensor(y.shape(), 1.0f));
  EXPECT_TRUE(layers[0]->a.empty());
  (*model)->SetCollectRank1Stats(true);
  (*model)->Forward(Tensor({2, 1, 8, 8}, 1.0f));
  (*model)->Backward(Tensor(y.shape(), 1.0f));
  EXPECT_EQ(layers[0]->a.numel(), 10);
  EXPECT_EQ(layers[3]->g.numel(), 3);
}

}  // namespace
}  // namespace syncline::core
