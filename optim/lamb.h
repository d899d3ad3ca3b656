// LAMB (You et al., arXiv 1904.00962, Alg. 2) with the NVLAMB global-norm
// pre-clip, per specs/lamb.md sections 1-3 and 9:
//   g <- g * c / max(||g||_global, c)                   (if global_clip_norm c > 0)
//   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
//   r = m_hat / (sqrt(v_hat) + eps);  u = r + wd x     (decoupled)
//   trust = phi(||x||)/||u|| if adapted and both norms > 0, else 1
//   x -= lr * trust * u
// Excluded parameters (ndim <= 1, exclude_regex) use wd 0 and trust 1 unless
// adapt_excluded. Norms are accumulated in double.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "optim/optimizer.h"
#include "syncline/optimizer_config.pb.h"

namespace syncline::optim {

struct LambOptions {
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-6f;
  float weight_decay = 0.0f;
  bool bias_correction = true;
  bool l2_mode = false;  // wd_mode = "l2": wd * x added to the gradient instead
  float phi_min = 0.0f;
  float phi_max = 0.0f;  // <= 0: no upper clamp
  bool adapt_excluded = false;
  float global_clip_norm = 0.0f;
};

class Lamb : public Optimizer {
 public:
  // excluded[i]: parameter i skips decay and adaptation (see param_groups.h).
  Lamb(std::vector<core::Parameter> params, const LambOptions& options, std::vector<bool> excluded);
  // Options and exclusions from optimizer.lamb.* and optimizer.weight_decay.
  static absl::StatusOr<std::unique_ptr<Lamb>> Create(const proto::OptimizerConfig& config,
                                                      std::vector<core::Parameter> params);

  absl::Status Step() override;
  std::string name() const override { return "lamb"; }
  void SaveState(proto::StateProto* state) const override;
  absl::Status LoadState(const proto::StateProto& state) override;

  // Trust ratio used for parameter i in the last Step (1 when not adapted).
  double last_trust(size_t i) const { return last_trust_[i]; }

 private:
  void StepParameter(size_t i, float grad_scale, double bc1, double bc2);

  LambOptions options_;
  std::vector<bool> excluded_;
  std::vector<core::Tensor> m_, v_;
  std::vector<float> update_;  // scratch for u, sized to the largest parameter
  std::vector<double> last_trust_;
};

}  // namespace syncline::optim
