// PowerSGD (Vogels et al.), rank r per layer, warm-started Q, as in
// specs/lgreco.md section 2: P = M Q, allreduce(P), orthonormalise(P),
// Q = M^T P, allreduce(Q) / world, M̂ = P Q^T. The P's of all layers share
// one allreduce and the Q's another. Effective rank is min(rows, cols, r).
#pragma once

#include "comm/compress/compressor.h"
#include "core/tensor.h"

namespace syncline::comm::compress {

class PowerSgdCompressor : public Compressor {
 public:
  explicit PowerSgdCompressor(const proto::CompressionConfig& config);
  std::string name() const override { return "powersgd"; }
  int64_t WireBytes(int64_t rows, int64_t cols, double setting) const override;
  std::vector<double> Errors(const float* a, int64_t rows, int64_t cols,
                             const std::vector<double>& settings, int layer) const override;
  absl::Status Reduce(int64_t step, std::vector<LayerStep>& layers, Communicator& comm) override;
  void OnSettingChanged(int layer) override;
  void SaveState(const std::vector<std::string>& names, proto::StateProto* state) const override;
  absl::Status LoadState(const std::vector<std::string>& names,
                         const proto::StateProto& state) override;

  // Test hook: sets layer's Q (cols x r, row-major) before the next Reduce.
  void SetQ(int layer, core::Tensor q);
  const core::Tensor* q(int layer) const;

  static int64_t EffectiveRank(int64_t rows, int64_t cols, double setting);

 private:
  core::Tensor& QFor(int layer, int64_t cols, int64_t rank, int64_t step);

  bool warm_start_;
  uint64_t seed_;
  int error_iters_;
  bool svd_errors_;
  std::vector<core::Tensor> q_;  // per layer; empty until first use
};

}  // namespace syncline::comm::compress
