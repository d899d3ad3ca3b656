// Finite-difference gradient checks (central differences, accumulated in
// double) for Modules and losses.
//
// For a module m and input x, the scalar checked is L = sum_i w_i * y_i with
// fixed pseudo-random weights w, so dL/dy = w is what Backward receives.
// Every input element and every parameter element is perturbed by +-eps; the
// analytic gradient must match (L(+eps) - L(-eps)) / 2eps within
// atol + rtol * |numeric|. Inputs to kinked ops (ReLU, max-pool) should keep
// at least eps away from the kinks.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/loss.h"
#include "core/module.h"
#include "core/random.h"
#include "core/tensor.h"

namespace syncline::testing {

struct GradCheckOptions {
  double eps = 1e-2;
  double atol = 2e-3;
  double rtol = 2e-2;
  uint64_t seed = 7;
};

// Fills t with U(lo, hi) from seed.
inline void FillUniform(core::Tensor* t, uint64_t seed, float lo = -1.0f, float hi = 1.0f) {
  core::SplitMix64 rng(seed);
  for (int64_t i = 0; i < t->numel(); ++i) (*t)[i] = rng.Uniform(lo, hi);
}

// Compares analytic against numeric derivative of f at *value for every
// element; `what` names the tensor in failures. Returns the mismatch count.
inline int CompareNumeric(const std::string& what, core::Tensor* value, const core::Tensor& analytic,
                          const std::function<double()>& f, const GradCheckOptions& opt) {
  int bad = 0;
  for (int64_t i = 0; i < value->numel(); ++i) {
    const float saved = (*value)[i];
    (*value)[i] = static_cast<float>(saved + opt.eps);
    const double plus = f();
    (*value)[i] = static_cast<float>(saved - opt.eps);
    const double minus = f();
    (*value)[i] = saved;
    const double numeric = (plus - minus) / (2.0 * opt.eps);
    const double got = analytic[i];
    if (std::abs(got - numeric) > opt.atol + opt.rtol * std::abs(numeric)) {
      if (++bad <= 5) {
        ADD_FAILURE() << what << "[" << i << "]: analytic " << got << " vs numeric " << numeric;
      }
    }
  }
  return bad;
}

// Checks dL/dx and dL/dparam of `m` at x. The module is left with zeroed
// parameter gradients plus one Backward's worth. SetRngCounter(0) before
// every Forward keeps dropout masks fixed across evaluations.
inline void ExpectModuleGradients(core::Module* m, core::Tensor x, const GradCheckOptions& opt = {}) {
  std::vector<core::Parameter> params;
  m->AppendParameters("", &params);
  m->SetRngCounter(0);
  core::Tensor y = m->Forward(x);
  core::Tensor w(y.shape());
  FillUniform(&w, opt.seed);
  for (auto& p : params) p.grad->Zero();
  core::Tensor dx = m->Backward(w);
  ASSERT_TRUE(dx.SameShape(x)) << dx.ShapeString() << " vs " << x.ShapeString();
  std::vector<core::Tensor> grads;
  for (auto& p : params) grads.push_back(*p.grad);
  auto loss = [&]() {
    m->SetRngCounter(0);
    core::Tensor out = m->Forward(x);
    double sum = 0.0;
    for (int64_t i = 0; i < out.numel(); ++i) sum += static_cast<double>(w[i]) * out[i];
    return sum;
  };
  EXPECT_EQ(CompareNumeric("input", &x, dx, loss, opt), 0);
  for (size_t k = 0; k < params.size(); ++k) {
    EXPECT_EQ(CompareNumeric(params[k].name, params[k].value, grads[k], loss, opt), 0);
  }
}

// Checks SoftmaxCrossEntropy's dlogits against central differences.
inline void ExpectLossGradients(core::Tensor logits, const std::vector<int32_t>& labels,
                                const GradCheckOptions& opt = {}) {
  core::Tensor d;
  core::SoftmaxCrossEntropy(logits, labels, &d);
  auto loss = [&]() { return static_cast<double>(core::SoftmaxCrossEntropy(logits, labels, nullptr)); };
  EXPECT_EQ(CompareNumeric("logits", &logits, d, loss, opt), 0);
}

}  // namespace syncline::testing
