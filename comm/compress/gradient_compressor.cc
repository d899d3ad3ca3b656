#include "comm/compress/gradient_compressor.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "comm/compress/lgreco.h"
#include "core/check.h"

namespace syncline::comm::compress {

absl::StatusOr<std::unique_ptr<GradientCompressor>> GradientCompressor::Create(
    const proto::CompressionConfig& config, std::vector<TensorSpec> tensors, Communicator* comm) {
  absl::Status status = ValidateCompressionConfig(config);
  if (!status.ok()) return status;
  if (config.method() != "none" && config.start_step() == 0) {
    return absl::InvalidArgumentError(
        "compression.start_step: 0 (auto) must be resolved against the run length first "
        "(ResolveStartStep)");
  }
  std::unique_ptr<GradientCompressor> gc(new GradientCompressor(config, std::move(tensors), comm));
  if (config.method() != "none") {
    absl::StatusOr<std::unique_ptr<Compressor>> family = CreateCompressor(config);
    if (!family.ok()) return family.status();
    gc->family_ = std::move(*family);
    for (size_t i = 0; i < gc->tensors_.size(); ++i) {
      const core::Shape& shape = gc->tensors_[i].shape;
      if (!IsCompressible(config, *gc->family_, shape)) continue;
      Layer layer;
      layer.tensor = static_cast<int>(i);
      layer.name = gc->tensors_[i].name;
      layer.rows = shape[0];
      layer.cols = core::NumElements(shape) / shape[0];
      layer.candidates = CandidateSettings(config, layer.rows, layer.cols);
      layer.base = layer.choice = BaseIndex(config, layer.candidates, layer.rows, layer.cols);
      layer.residual = core::Tensor({layer.rows, layer.cols});
      gc->slot_[i] = static_cast<int>(gc->layers_.size());
      gc->layers_.push_back(std::move(layer));
    }
  }
  gc->active_ = gc->family_ != nullptr && (comm->size() > 1 || config.single_rank_test());
  if (!gc->active_) std::fill(gc->slot_.begin(), gc->slot_.end(), -1);
  return gc;
}

GradientCompressor::GradientCompressor(const proto::CompressionConfig& config,
                                       std::vector<TensorSpec> tensors, Communicator* comm)
    : config_(config), tensors_(std::move(tensors)), comm_(comm), slot_(tensors_.size(), -1) {}

double GradientCompressor::setting(int l) const {
  return layers_[l].candidates[layers_[l].choice];
}

absl::Status GradientCompressor::ReduceDense(const std::vector<core::Tensor*>& grads,
                                             bool include_compressible, bool include_dense) {
  if (comm_->size() == 1) return absl::OkStatus();
  int64_t total = 0;
  for (size_t i = 0; i < grads.size(); ++i) {
    const bool compressed = slot_[i] >= 0;
    if ((compressed && include_compressible) || (!compressed && include_dense)) total += grads[i]->numel();
  }
  if (total == 0) return absl::OkStatus();
  std::vector<float> buffer(total);
  int64_t offset = 0;
  for (size_t i = 0; i < grads.size(); ++i) {
    const bool compressed = slot_[i] >= 0;
    if (!((compressed && include_compressible) || (!compressed && include_dense))) continue;
    std::memcpy(buffer.data() + offset, grads[i]->data(), grads[i]->numel() * sizeof(float));
    offset += grads[i]->numel();
  }
  AllreduceOptions options;
  options.tag = "uncompressed gradients";
  const int64_t sent_before = comm_->bytes_sent();
  absl::Status status = comm_->Allreduce(buffer.data(), total, options);
  bytes_sent_ += comm_->bytes_sent() - sent_before;
  if (!status.ok()) return status;
  const float inv_world = 1.0f / static_cast<float>(comm_->size());
  offset = 0;
  for (size_t i = 0; i < grads.size(); ++i) {
    const bool compressed = slot_[i] >= 0;
    if (!((compressed && include_compressible) || (!compressed && include_dense))) continue;
    float* g = grads[i]->data();
    for (int64_t k = 0; k < grads[i]->numel(); ++k) g[k] = buffer[offset + k] * inv_world;
    offset += grads[i]->numel();
  }
  dense_bytes_ += 4 * total;
  return absl::OkStatus();
}

absl::Status GradientCompressor::Reduce(int64_t step, const std::vector<core::Tensor*>& grads,
                                        bool reduce_dense) {
  SYNCLINE_CHECK_EQ(grads.size(), tensors_.size());
  absl::Status status = BeginStep(step);
  if (status.ok() && !compressing()) {
    // Warm-up (or no compression): everything through plain allreduce.
    status = ReduceDense(grads, /*include_compressible=*/true, reduce_dense);
  } else if (status.ok()) {
    std::vector<int> ids;
    std::vector<float*> data;
    for (const Layer& l : layers_) {
      ids.push_back(l.tensor);
      data.push_back(grads[l.tensor]->data());
    }
    status = ReduceCompressed(ids, data);
    if (status.ok()) status = ReduceDense(grads, /*include_compressible=*/false, reduce_dense);
  }
  return status;
}

absl::Status GradientCompressor::BeginStep(int64_t step) {
  step_ = step;
  next_step_ = step + 1;
  if (!compressing()) return absl::OkStatus();
  ++compressed_steps_;
  const int64_t period = config_.lgreco_adjust_every();
  if (config_.lgreco() && step > config_.start_step() &&
      (step - config_.start_step()) % period == 0) {
    const int64_t sent_before = comm_->bytes_sent();
    absl::Status status = Adjust(step);
    bytes_sent_ += comm_->bytes_sent() - sent_before;
    return status;
  }
  return absl::OkStatus();
}

absl::Status GradientCompressor::ReduceCompressed(const std::vector<int>& tensors,
                                                  const std::vector<float*>& data) {
  SYNCLINE_CHECK(compressing());
  SYNCLINE_CHECK_EQ(tensors.size(), data.size());
  if (tensors.empty()) return absl::OkStatus();
  const int64_t sent_before = comm_->bytes_sent();
  std::vector<int> ids;
  for (size_t i = 0; i < tensors.size(); ++i) {  // residual <- M = G + e
    SYNCLINE_CHECK_GE(slot_[tensors[i]], 0) << tensors_[tensors[i]].name;
    Layer& l = layers_[slot_[tensors[i]]];
    ids.push_back(slot_[tensors[i]]);
    float* e = l.residual.data();
    for (int64_t k = 0; k < l.residual.numel(); ++k) e[k] += data[i][k];
  }
  const int64_t period = config_.lgreco_adjust_every();
  const int64_t phase = (step_ - config_.start_step()) % period;
  const bool in_window = config_.lgreco() && comm_->rank() == 0 &&
                         phase >= period - config_.lgreco_window();
  const bool global_source = config_.lgreco_error_source() == "global";
  std::vector<const float*> values;
  if (in_window && !global_source) {
    for (int id : ids) values.push_back(layers_[id].residual.data());
    Accumulate(ids, values);
  }
  std::vector<LayerStep> batch;
  for (size_t i = 0; i < ids.size(); ++i) {
    Layer& l = layers_[ids[i]];
    batch.push_back({ids[i], l.rows, l.cols, setting(ids[i]), l.residual.data(), data[i]});
    dense_bytes_ += 4 * l.rows * l.cols;
  }
  absl::Status status = family_->Reduce(step_, batch, *comm_);
  bytes_sent_ += comm_->bytes_sent() - sent_before;
  if (!status.ok()) return status;
  if (!config_.error_feedback()) {
    for (int id : ids) layers_[id].residual.Zero();
  }
  if (in_window && global_source) {
    values.assign(data.begin(), data.end());
    Accumulate(ids, values);
  }
  return absl::OkStatus();
}

void GradientCompressor::Accumulate(const std::vector<int>& ids,
                                    const std::vector<const float*>& values) {
  for (size_t i = 0; i < ids.size(); ++i) {  // a non-finite step is not accumulated
    const int64_t n = layers_[ids[i]].rows * layers_[ids[i]].cols;
    for (int64_t k = 0; k < n; ++k) {
      if (!std::isfinite(values[i][k])) return;
    }
  }
  const float scale =
      static_cast<float>(config_.lgreco_accum_scale() / config_.lgreco_window());
  for (size_t i = 0; i < ids.size(); ++i) {
    Layer& l = layers_[ids[i]];
    if (l.accum.empty()) l.accum = core::Tensor({l.rows, l.cols});
    float* a = l.accum.data();
    for (int64_t k = 0; k < l.accum.numel(); ++k) a[k] += scale * values[i][k];
  }
}

absl::Status GradientCompressor::Adjust(int64_t step) {
  const int num = static_cast<int>(layers_.size());
  std::vector<int32_t> choice(num);
  for (int i = 0; i < num; ++i) choice[i] = layers_[i].choice;
  if (comm_->rank() == 0 && num > 0 && !layers_[0].accum.empty()) {
    std::vector<const float*> accum;
    std::vector<int64_t> rows, cols;
    std::vector<std::vector<double>> candidates;
    std::vector<int> base;
    for (const Layer& l : layers_) {
      accum.push_back(l.accum.data());
      rows.push_back(l.rows);
      cols.push_back(l.cols);
      candidates.push_back(l.candidates);
      base.push_back(l.base);
    }
    const KnapsackResult result =
        SolveLgreco(config_, *family_, accum, rows, cols, candidates, base);
    if (!result.keep_current) {
      for (int i = 0; i < num; ++i) choice[i] = result.choice[i];
    }
  }
  for (Layer& l : layers_) l.accum = core::Tensor();
  if (num == 0) return absl::OkStatus();
  BroadcastOptions options;
  options.tag = "lgreco settings";
  absl::Status status = comm_->Broadcast(choice.data(), 4 * static_cast<int64_t>(num), options);
  if (!status.ok()) return status;
  for (int i = 0; i < num; ++i) {
    Layer& l = layers_[i];
    if (choice[i] < 0 || choice[i] >= static_cast<int>(l.candidates.size())) {
      return absl::InternalError(absl::StrCat("rank ", comm_->rank(), ": lgreco: broadcast choice ",
                                              choice[i], " out of range for \"", l.name, "\""));
    }
    if (choice[i] == l.choice) continue;
    changes_.push_back({step, l.name, l.candidates[l.choice], l.candidates[choice[i]]});
    l.choice = choice[i];
    family_->OnSettingChanged(i);
  }
  return absl::OkStatus();
}

std::vector<SettingChange> GradientCompressor::TakeSettingChanges() {
  std::vector<SettingChange> out;
  out.swap(changes_);
  return out;
}

std::vector<std::string> GradientCompressor::LayerNames() const {
  std::vector<std::string> names;
  for (const Layer& l : layers_) names.push_back(l.name);
  return names;
}

}  // namespace syncline::comm::compress
