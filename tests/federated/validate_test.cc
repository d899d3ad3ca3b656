#include "federated/validate.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "test_util.h"

namespace syncline::federated {
namespace {

proto::Update Good(const Weights& model) {
  proto::Update u;
  u.set_client_id(1);
  u.set_round(3);
  u.set_num_examples(10);
  ToProtos(model, u.mutable_delta());
  return u;
}

TEST(ValidateTest, AcceptsAndRefusesWithReasons) {
  const Weights model = testing::Vec({1, 2, 3});
  const UpdateLimits lim{100, 4};
  ClientUpdate out;
  ASSERT_TRUE(ValidateUpdate(Good(model), 3, model, lim, &out).ok());
  EXPECT_EQ(out.num_examples, 10);
  EXPECT_FLOAT_EQ(out.delta[0].value[2], 3.0f);

  auto expect_refused = [&](proto::Update u, const std::string& needle) {
    absl::Status s = ValidateUpdate(u, 3, model, lim, &out);
    ASSERT_FALSE(s.ok()) << needle;
    EXPECT_NE(s.message().find(needle), std::string::npos) << s.message();
  };
  proto::Update u = Good(model);
  u.mutable_delta(0)->set_name("v");
  expect_refused(u, "named 'v'");
  u = Good(model);
  u.mutable_delta(0)->set_shape(0, 4);
  expect_refused(u, "shape");
  u = Good(model);
  u.mutable_delta(0)->mutable_data()->resize(8);
  expect_refused(u, "bytes");
  u = Good(model);
  float nan = std::numeric_limits<float>::quiet_NaN();
  u.mutable_delta(0)->mutable_data()->replace(4, 4, reinterpret_cast<const char*>(&nan), 4);
  expect_refused(u, "non-finite value at element 1");
  u = Good(model);
  u.set_num_examples(-1);
  expect_refused(u, "num_examples");
  u.set_num_examples(101);
  expect_refused(u, "num_examples");
  u = Good(model);
  u.set_round(2);
  expect_refused(u, "stale");
  u = Good(model);
  u.set_client_id(9);
  expect_refused(u, "client id");
  u = Good(model);
  u.add_delta();
  expect_refused(u, "expected 1 tensors");
}

}  // namespace
}  // namespace syncline::federated
