#include "core/tensor.h"

#include <gtest/gtest.h>

namespace syncline::core {
namespace {

TEST(TensorTest, ZeroFilledWithShape) {
  Tensor t({2, 3});
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.ShapeString(), "[2, 3]");
  for (int64_t i = 0; i < t.numel(); ++i) EXPECT_EQ(t[i], 0.0f);
}

TEST(TensorTest, ReshapeKeepsValues) {
  Tensor t({2, 3}, std::vector<float>{1, 2, 3, 4, 5, 6});
  t.Reshape({3, 2});
  EXPECT_EQ(t.dim(0), 3);
  EXPECT_EQ(t.dim(-1), 2);
  EXPECT_EQ(t[5], 6.0f);
}

TEST(TensorTest, CopyIsDeep) {
  Tensor a({2}, 1.0f);
  Tensor b = a;
  b[0] = 5.0f;
  EXPECT_EQ(a[0], 1.0f);
}

TEST(TensorDeathTest, ReshapeToOtherSizeAborts) {
  Tensor t({2, 3});
  EXPECT_DEATH(t.Reshape({4, 2}), "check failed");
}

}  // namespace
}  // namespace syncline::core
