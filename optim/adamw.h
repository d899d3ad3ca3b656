// AdamW with PyTorch's torch.optim.AdamW semantics (decoupled decay applied
// to every parameter, bias correction, eps outside the square root):
//   x *= 1 - lr * wd;  m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   x -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
#pragma once

#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace syncline::optim {

struct AdamWOptions {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<core::Parameter> params, const AdamWOptions& options);

  absl::Status Step() override;
  std::string name() const override { return "adamw"; }
  void SaveState(proto::StateProto* state) const override;
  absl::Status LoadState(const proto::StateProto& state) override;

 private:
  AdamWOptions options_;
  std::vector<core::Tensor> m_, v_;
};

}  // namespace syncline::optim
