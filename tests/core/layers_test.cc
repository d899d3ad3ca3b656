// Finite-difference gradient checks for every layer and the loss, plus
// known-answer forward values.
#include <gtest/gtest.h>

#include <cmath>

#include "core/layers/conv2d.h"
#include "core/layers/dropout.h"
#include "core/layers/flatten.h"
#include "core/layers/gelu.h"
#include "core/layers/layer_norm.h"
#include "core/layers/linear.h"
#include "core/layers/max_pool2d.h"
#include "core/layers/relu.h"
#include "core/loss.h"
#include "tests/support/gradient_check.h"

namespace syncline::core {
namespace {

using testing::ExpectLossGradients;
using testing::ExpectModuleGradients;
using testing::FillUniform;

// Uniform values whose magnitude is at least `gap` (keeps ReLU kinks away).
Tensor AwayFromZero(Shape shape, uint64_t seed, float gap = 0.05f) {
  Tensor t(std::move(shape));
  FillUniform(&t, seed);
  for (int64_t i = 0; i < t.numel(); ++i) {
    if (std::abs(t[i]) < gap) t[i] = t[i] < 0 ? -gap - t[i] : gap + t[i];
  }
  return t;
}

TEST(LinearTest, ForwardKnownAnswer) {
  Linear fc(2, 2, true, 1);
  fc.weight() = Tensor({2, 2}, {1, 2, 3, 4});
  fc.bias() = Tensor({2}, {0.5f, -1});
  Tensor y = fc.Forward(Tensor({1, 2}, {1, 1}));
  EXPECT_FLOAT_EQ(y[0], 3.5f);
  EXPECT_FLOAT_EQ(y[1], 6.0f);
}

TEST(LinearTest, Gradients) {
  Linear fc(5, 4, true, 3);
  Tensor x({3, 5});
  FillUniform(&x, 11);
  ExpectModuleGradients(&fc, x);
}

TEST(LinearTest, GradientsWithoutBiasAndLeadingDims) {
  Linear fc(3, 2, false, 4);
  Tensor x({2, 2, 3});
  FillUniform(&x, 12);
  ExpectModuleGradients(&fc, x);
}

TEST(LinearTest, BackwardAccumulatesIntoGrads) {
  Linear fc(3, 2, true, 5);
  Tensor x({2, 3}, 1.0f);
  fc.Forward(x);
  fc.Backward(Tensor({2, 2}, 1.0f));
  fc.Forward(x);
  fc.Backward(Tensor({2, 2}, 1.0f));
  EXPECT_FLOAT_EQ(fc.bias_grad()[0], 4.0f);
  EXPECT_FLOAT_EQ(fc.weight_grad()[0], 4.0f);
}

TEST(LinearTest, InitIsDeterministicAndBounded) {
  Linear a(100, 10, true, 42), b(100, 10, true, 42), c(100, 10, true, 43);
  EXPECT_EQ(a.weight().vec(), b.weight().vec());
  EXPECT_NE(a.weight().vec(), c.weight().vec());
  for (float v : a.weight().vec()) EXPECT_LE(std::abs(v), 0.1f);
}

struct ConvCase {
  int64_t cin, cout, k, stride, pad, h, w;
};
class Conv2dGradTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dGradTest, Gradients) {
  const ConvCase c = GetParam();
  Conv2d conv(c.cin, c.cout, c.k, c.stride, c.pad, true, 9);
  Tensor x({2, c.cin, c.h, c.w});
  FillUniform(&x, 13);
  ExpectModuleGradients(&conv, x);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dGradTest,
                         ::testing::Values(ConvCase{1, 2, 3, 1, 1, 5, 5}, ConvCase{2, 3, 3, 1, 0, 5, 4},
                                           ConvCase{2, 2, 3, 2, 1, 6, 5}, ConvCase{1, 2, 5, 1, 2, 6, 6},
                                           ConvCase{3, 1, 1, 1, 0, 3, 3}));

TEST(Conv2dTest, ForwardKnownAnswer) {
  // 3x3 all-ones kernel with padding 1 on a 3x3 all-ones image: border
  // positions see fewer pixels (corner 4, edge 6, centre 9), plus bias 1.
  Conv2d conv(1, 1, 3, 1, 1, true, 1);
  conv.weight().Fill(1.0f);
  conv.bias().Fill(1.0f);
  Tensor y = conv.Forward(Tensor({1, 1, 3, 3}, 1.0f));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 3, 3}));
  const float want[9] = {5, 7, 5, 7, 10, 7, 5, 7, 5};
  for (int i = 0; i < 9; ++i) EXPECT_FLOAT_EQ(y[i], want[i]) << i;
}

// A batch big enough to be split into several im2col chunks (~2 MiB of
// columns each) must give the same outputs and gradients as running every
// sample alone.
TEST(Conv2dTest, ChunkedBatchMatchesPerSample) {
  const int64_t n = 30, cin = 8, side = 16;  // 72 x 256 floats per sample -> 2 chunks of 15
  Conv2d batched(cin, 4, 3, 1, 1, true, 5), single(cin, 4, 3, 1, 1, true, 5);
  batched.set_collect_rank1_stats(true);
  Tensor x({n, cin, side, side}), dy({n, 4, side, side});
  FillUniform(&x, 40);
  FillUniform(&dy, 41);
  Tensor y, dx;
  batched.ForwardInto(x, &y);
  batched.BackwardInto(dy, &dx);
  const int64_t in_numel = cin * side * side, out_numel = 4 * side * side;
  Tensor dw_sum({4, cin * 9});
  for (int64_t s = 0; s < n; ++s) {
    Tensor xs({1, cin, side, side}, std::vector<float>(x.data() + s * in_numel, x.data() + (s + 1) * in_numel));
    Tensor ds({1, 4, side, side}, std::vector<float>(dy.data() + s * out_numel, dy.data() + (s + 1) * out_numel));
    Tensor ys = single.Forward(xs);
    Tensor dxs = single.Backward(ds);
    for (int64_t i = 0; i < out_numel; ++i) ASSERT_NEAR(ys[i], y[s * out_numel + i], 1e-4) << s << " " << i;
    for (int64_t i = 0; i < in_numel; ++i) ASSERT_NEAR(dxs[i], dx[s * in_numel + i], 1e-4) << s << " " << i;
  }
  std::vector<Parameter> pb, ps;
  batched.AppendParameters("", &pb);
  single.AppendParameters("", &ps);
  for (size_t k = 0; k < pb.size(); ++k) {
    for (int64_t i = 0; i < pb[k].grad->numel(); ++i) {
      ASSERT_NEAR((*pb[k].grad)[i], (*ps[k].grad)[i], 1e-3 * (1 + std::abs((*ps[k].grad)[i]))) << k << " " << i;
    }
  }
  // Rank-1 statistics over all chunks: g = sum over samples and positions / L.
  double g0 = 0;
  for (int64_t s = 0; s < n; ++s) {
    for (int64_t i = 0; i < side * side; ++i) g0 += dy[s * out_numel + i];
  }
  EXPECT_NEAR(batched.rank1_stats()->g[0], g0 / (side * side), 1e-4);
  EXPECT_EQ(batched.rank1_stats()->a[cin * 9], 1.0f);
}

TEST(ReluTest, Gradients) {
  ReLU relu;
  ExpectModuleGradients(&relu, AwayFromZero({3, 7}, 14));
}

TEST(GeluTest, ForwardKnownAnswerAndGradients) {
  GELU gelu;
  Tensor y = gelu.Forward(Tensor({3}, {-1.0f, 0.0f, 2.0f}));
  // PyTorch: F.gelu(torch.tensor([-1., 0., 2.])) (erf form).
  EXPECT_NEAR(y[0], -0.158655f, 1e-5);
  EXPECT_NEAR(y[1], 0.0f, 1e-7);
  EXPECT_NEAR(y[2], 1.954500f, 1e-5);
  Tensor x({4, 5});
  FillUniform(&x, 15, -3.0f, 3.0f);
  ExpectModuleGradients(&gelu, x);
}

TEST(MaxPool2dTest, ForwardKnownAnswerAndGradients) {
  MaxPool2d pool(2);
  Tensor y = pool.Forward(Tensor({1, 1, 2, 4}, {1, 5, 2, 0, 3, 4, 8, 7}));
  EXPECT_EQ(y.shape(), (Shape{1, 1, 1, 2}));
  EXPECT_FLOAT_EQ(y[0], 5.0f);
  EXPECT_FLOAT_EQ(y[1], 8.0f);
  // Distinct values spaced well beyond eps, so no window has a near-tie.
  Tensor x({2, 2, 5, 4});
  for (int64_t i = 0; i < x.numel(); ++i) x[i] = 0.1f * static_cast<float>((i * 37) % x.numel());
  ExpectModuleGradients(&pool, x);  // 5 rows: windows do not tile (general path)
  Tensor tiled({2, 2, 4, 6});
  for (int64_t i = 0; i < tiled.numel(); ++i) tiled[i] = 0.1f * static_cast<float>((i * 29) % tiled.numel());
  ExpectModuleGradients(&pool, tiled);  // windows tile the plane (no-memset path)
}

TEST(FlattenTest, ShapeAndGradients) {
  Flatten flat;
  Tensor x({2, 3, 2, 2});
  FillUniform(&x, 16);
  EXPECT_EQ(flat.Forward(x).shape(), (Shape{2, 12}));
  ExpectModuleGradients(&flat, x);
}

TEST(DropoutTest, GradientsAndScaling) {
  Dropout drop(0.5f, 21);
  Tensor x({4, 50}, 1.0f);
  Tensor y = drop.Forward(x);
  int kept = 0;
  for (int64_t i = 0; i < y.numel(); ++i) {
    ASSERT_TRUE(y[i] == 0.0f || y[i] == 2.0f) << y[i];
    kept += y[i] != 0.0f;
  }
  EXPECT_GT(kept, 60);
  EXPECT_LT(kept, 140);
  Tensor xs({3, 6});
  FillUniform(&xs, 17);
  ExpectModuleGradients(&drop, xs);
}

TEST(DropoutTest, MaskIsAFunctionOfTheCounter) {
  Dropout a(0.3f, 5), b(0.3f, 5);
  Tensor x({100}, 1.0f);
  a.SetRngCounter(7);
  b.SetRngCounter(7);
  EXPECT_EQ(a.Forward(x).vec(), b.Forward(x).vec());
  b.SetRngCounter(8);
  EXPECT_NE(a.Forward(x).vec(), b.Forward(x).vec());
}

TEST(DropoutTest, IdentityInEvalMode) {
  Dropout drop(0.9f, 5);
  drop.SetTraining(false);
  Tensor x({10}, 3.0f);
  EXPECT_EQ(drop.Forward(x).vec(), x.vec());
}

TEST(LayerNormTest, NormalisesAndGradients) {
  LayerNorm ln(6);
  Tensor x({3, 6});
  FillUniform(&x, 18, -2.0f, 2.0f);
  Tensor y = ln.Forward(x);
  for (int r = 0; r < 3; ++r) {
    double mean = 0, sq = 0;
    for (int i = 0; i < 6; ++i) mean += y[r * 6 + i] / 6.0;
    for (int i = 0; i < 6; ++i) sq += (y[r * 6 + i] - mean) * (y[r * 6 + i] - mean) / 6.0;
    EXPECT_NEAR(mean, 0.0, 1e-5);
    EXPECT_NEAR(sq, 1.0, 1e-3);
  }
  // Non-trivial affine parameters so their gradients matter in dx.
  std::vector<Parameter> params;
  ln.AppendParameters("", &params);
  FillUniform(params[0].value, 19, 0.5f, 1.5f);
  FillUniform(params[1].value, 20);
  ExpectModuleGradients(&ln, x);
}

TEST(LossTest, KnownAnswer) {
  // Uniform logits over 4 classes: loss = log 4; dlogits = (1/4 - onehot)/N.
  Tensor logits({2, 4}, 0.0f);
  Tensor d;
  EXPECT_NEAR(SoftmaxCrossEntropy(logits, {1, 3}, &d), std::log(4.0f), 1e-6);
  EXPECT_FLOAT_EQ(d[0], 0.125f);
  EXPECT_FLOAT_EQ(d[1], -0.375f);
}

TEST(LossTest, StableForHugeLogits) {
  Tensor logits({1, 3}, {1000.0f, 0.0f, -1000.0f});
  EXPECT_NEAR(SoftmaxCrossEntropy(logits, {0}, nullptr), 0.0f, 1e-6);
  EXPECT_NEAR(SoftmaxCrossEntropy(logits, {1}, nullptr), 1000.0f, 1e-3);
}

TEST(LossTest, Gradients) {
  Tensor logits({4, 5});
  FillUniform(&logits, 22, -3.0f, 3.0f);
  ExpectLossGradients(logits, {0, 4, 2, 2});
}

TEST(LossTest, CountCorrect) {
  Tensor logits({3, 2}, {1, 0, 0, 1, 2, 1});
  EXPECT_EQ(CountCorrect(logits, {0, 1, 1}), 2);
}

}  // namespace
}  // namespace syncline::core
