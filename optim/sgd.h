// SGD with momentum, dampening, Nesterov and L2 weight decay, with PyTorch's
// torch.optim.SGD semantics:
//   d = g + wd * x
//   buf = d                                  (first step)
//   buf = momentum * buf + (1 - dampening) * d  (later steps)
//   d = nesterov ? d + momentum * buf : buf  (when momentum != 0)
//   x -= lr * d
#pragma once

#include <string>
#include <vector>

#include "optim/optimizer.h"

namespace syncline::optim {

struct SgdOptions {
  float momentum = 0.0f;
  float dampening = 0.0f;
  float weight_decay = 0.0f;
  bool nesterov = false;
};

class Sgd : public Optimizer {
 public:
  Sgd(std::vector<core::Parameter> params, const SgdOptions& options);

  absl::Status Step() override;
  std::string name() const override { return "sgd"; }
  void SaveState(proto::StateProto* state) const override;
  absl::Status LoadState(const proto::StateProto& state) override;

 private:
  SgdOptions options_;
  std::vector<core::Tensor> momentum_;  // one per parameter; empty when momentum == 0
};

}  // namespace syncline::optim
