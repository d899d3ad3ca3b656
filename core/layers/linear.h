// Linear: y = x W^T + b.  x [..., in] (leading dims flattened into rows),
// W [out, in], b [out], y [..., out]. GEMMs via cblas with transposes (no
// copies); bias fused by seeding y with b and accumulating (beta = 1).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/module.h"

namespace syncline::core {

class Linear : public Module {
 public:
  // Weights and bias ~ U(-1/sqrt(in), 1/sqrt(in)) from `seed`.
  Linear(int64_t in_features, int64_t out_features, bool bias, uint64_t seed);

  void ForwardInto(const Tensor& x, Tensor* y) override;
  void BackwardInto(const Tensor& dy, Tensor* dx) override;
  void AppendParameters(const std::string& prefix, std::vector<Parameter>* out) override;
  Rank1Stats* rank1_stats() override { return &stats_; }

  Tensor& weight() { return weight_; }
  Tensor& bias() { return bias_; }
  Tensor& weight_grad() { return weight_grad_; }
  Tensor& bias_grad() { return bias_grad_; }

 private:
  void CollectStats(const Tensor& dy, int64_t rows);

  int64_t in_, out_;
  bool has_bias_;
  Tensor weight_, bias_, weight_grad_, bias_grad_;
  const Tensor* x_ = nullptr;  // input of the last Forward (see module.h)
  Rank1Stats stats_;
};

}  // namespace syncline::core
