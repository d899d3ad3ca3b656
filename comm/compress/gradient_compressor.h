// GradientCompressor: averages a model's gradients across ranks with per-layer
// compression, error feedback and (optionally) the L-GreCo controller
// (specs/lgreco.md section 6).
//
// Per step t (optimizer steps, from 0):
//  - t < start_step: plain fp32 allreduce-average (warm-up).
//  - else each compressible layer reduces M = G + e with its current setting;
//    e keeps what was not sent. With L-GreCo, rank 0 accumulates M over the
//    last `window` steps of every `adjust_every` period and at
//    t = start_step + k * adjust_every solves the knapsack; the choice is
//    broadcast from rank 0, so every rank switches at the same step.
//  - Uncompressible tensors (biases, norms, small) go through one fused
//    allreduce, unless the caller reduces them itself (DataParallel buckets).
// Collectives are issued in the same order on every rank. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "comm/communicator.h"
#include "comm/compress/compressor.h"
#include "core/tensor.h"
#include "syncline/checkpoint.pb.h"
#include "syncline/compression_config.pb.h"

namespace syncline::comm::compress {

struct TensorSpec {
  std::string name;
  core::Shape shape;
};

// One layer's setting change, for the metrics log.
struct SettingChange {
  int64_t step = 0;
  std::string layer;
  double from = 0.0;
  double to = 0.0;
};

class GradientCompressor {
 public:
  // tensors: every parameter in the model's order (identical on all ranks).
  // Validates the config; comm must outlive this object.
  static absl::StatusOr<std::unique_ptr<GradientCompressor>> Create(
      const proto::CompressionConfig& config, std::vector<TensorSpec> tensors,
      Communicator* comm);

  // False for method "none" and at world size 1 (unless single_rank_test):
  // then Reduce only averages (nothing at world size 1).
  bool active() const { return active_; }
  // Whether tensor i is reduced by the compressor (callers may bucket the rest).
  bool IsCompressed(int tensor) const { return slot_[tensor] >= 0; }

  // Averages grads (same order as the specs) across ranks in place:
  // BeginStep(step), then the compressed tensors, then one fused allreduce of
  // the rest (reduce_dense=false leaves those to the caller).
  absl::Status Reduce(int64_t step, const std::vector<core::Tensor*>& grads,
                      bool reduce_dense = true);

  // The pieces of Reduce, for a caller that reduces tensors in groups
  // (DataParallel buckets). BeginStep runs L-GreCo's solve and broadcast when
  // due; call it once per step on every rank before any group.
  absl::Status BeginStep(int64_t step);
  // True when this step compresses (active and past the warm-up); otherwise
  // the caller averages every tensor plainly.
  bool compressing() const { return active_ && step_ >= config_.start_step(); }
  // Reduces a group of compressed tensors of the current step in place
  // (tensors[i] must satisfy IsCompressed; data[i] its gradient).
  absl::Status ReduceCompressed(const std::vector<int>& tensors, const std::vector<float*>& data);
  // The step BeginStep was last called with, and the counter a bucket
  // reducer uses to number steps itself (saved in the state).
  int64_t step() const { return step_; }
  int64_t next_step() const { return next_step_; }
  void set_next_step(int64_t step) { next_step_ = step; }

  // Bytes this object put on the wire (all its collectives), cumulative, and
  // what plain fp32 allreduces of the same tensors would have counted.
  int64_t bytes_sent() const { return bytes_sent_; }
  int64_t dense_bytes() const { return dense_bytes_; }
  // Gradient traffic counted by a bucket reducer that wraps this object
  // (its plain and compressed buckets together); kept here so that it is
  // saved in the state and the cumulative metrics survive a resume.
  void AddTraffic(int64_t sent, int64_t dense) {
    traffic_sent_ += sent;
    traffic_dense_ += dense;
  }
  int64_t traffic_sent() const { return traffic_sent_; }
  int64_t traffic_dense() const { return traffic_dense_; }
  // Setting changes since the last call.
  std::vector<SettingChange> TakeSettingChanges();
  // Current settings of the compressible tensors ("fc1.weight=4 ...").
  std::string SettingsString() const;
  // Human summary: per layer setting and bytes per step, totals, ratio.
  std::string Summary() const;
  int num_compressed() const { return static_cast<int>(layers_.size()); }
  double setting(int compressed_layer) const;
  const std::string& method() const { return config_.method(); }
  Compressor* family() { return family_.get(); }

  // Residuals, family state (PowerSGD Q), chosen settings and rank 0's accumulators.
  void SaveState(proto::StateProto* state) const;
  // Errors name the tensor; the state must come from the same method and layers.
  absl::Status LoadState(const proto::StateProto& state);

 private:
  struct Layer {
    int tensor = 0;
    std::string name;
    int64_t rows = 0, cols = 0;
    std::vector<double> candidates;
    int base = 0;
    int choice = 0;
    core::Tensor residual;  // e, [rows, cols]
    core::Tensor accum;     // A (rank 0, L-GreCo only)
  };

  GradientCompressor(const proto::CompressionConfig& config, std::vector<TensorSpec> tensors,
                     Communicator* comm);
  absl::Status ReduceDense(const std::vector<core::Tensor*>& grads, bool include_compressible,
                           bool include_dense);
  void Accumulate(const std::vector<int>& layers, const std::vector<const float*>& values);
  absl::Status Adjust(int64_t step);
  std::vector<std::string> LayerNames() const;

  proto::CompressionConfig config_;
  std::vector<TensorSpec> tensors_;
  Communicator* comm_;
  std::unique_ptr<Compressor> family_;
  std::vector<Layer> layers_;
  std::vector<int> slot_;  // tensor -> index in layers_, or -1
  bool active_ = false;
  int64_t bytes_sent_ = 0;
  int64_t dense_bytes_ = 0;
  int64_t traffic_sent_ = 0;
  int64_t traffic_dense_ = 0;
  int64_t compressed_steps_ = 0;
  int64_t step_ = -1;
  int64_t next_step_ = 0;
  std::vector<SettingChange> changes_;
};

}  // namespace syncline::comm::compress
