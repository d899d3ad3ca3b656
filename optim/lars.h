// LARS (You, Gitman, Ginsburg, arXiv 1708.03888, Alg. 1), specs/lamb.md section 4:
//   local_lr = trust_coef * ||w|| / (||g|| + wd ||w||)   (1 if either norm is 0)
//   local_lr = min(local_lr, 1)                        (if clip_local_lr)
//   v = momentum v + lr * local_lr * (g + wd w);  w -= v
// Excluded parameters (ndim <= 1, exclude_regex) use local_lr 1 and wd 0,
// i.e. plain momentum SGD.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "optim/optimizer.h"
#include "syncline/optimizer_config.pb.h"

namespace syncline::optim {

struct LarsOptions {
  float trust_coef = 0.001f;
  float momentum = 0.9f;
  float weight_decay = 0.0f;
  bool clip_local_lr = false;
};

class Lars : public Optimizer {
 public:
  Lars(std::vector<core::Parameter> params, const LarsOptions& options, std::vector<bool> excluded);
  static absl::StatusOr<std::unique_ptr<Lars>> Create(const proto::OptimizerConfig& config,
                                                      std::vector<core::Parameter> params);

  absl::Status Step() override;
  std::string name() const override { return "lars"; }
  void SaveState(proto::StateProto* state) const override;
  absl::Status LoadState(const proto::StateProto& state) override;

  double last_local_lr(size_t i) const { return last_local_lr_[i]; }

 private:
  LarsOptions options_;
  std::vector<bool> excluded_;
  std::vector<core::Tensor> velocity_;
  std::vector<double> last_local_lr_;
};

}  // namespace syncline::optim
