// GradientCompressor: checkpoint state and reporting.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "comm/compress/gradient_compressor.h"

namespace syncline::comm::compress {
namespace {

void PutTensor(const std::string& name, const core::Tensor& t, proto::StateProto* state) {
  proto::TensorProto* out = state->add_tensors();
  out->set_name(name);
  for (int64_t d : t.shape()) out->add_shape(d);
  out->set_data(t.data(), t.numel() * sizeof(float));
}

absl::Status GetTensor(const proto::TensorProto& in, const core::Shape& shape, core::Tensor* t) {
  core::Shape got(in.shape().begin(), in.shape().end());
  if (got != shape || static_cast<int64_t>(in.data().size()) !=
                          core::NumElements(shape) * static_cast<int64_t>(sizeof(float))) {
    return absl::InvalidArgumentError(absl::StrCat("compressor state: \"", in.name(), "\" has shape ",
                                                   core::ShapeToString(got), ", expected ",
                                                   core::ShapeToString(shape)));
  }
  *t = core::Tensor(shape);
  std::memcpy(t->data(), in.data().data(), in.data().size());
  return absl::OkStatus();
}

}  // namespace

void GradientCompressor::SaveState(proto::StateProto* state) const {
  (*state->mutable_strings())["method"] = config_.method();
  (*state->mutable_scalars())["compressed_steps"] = static_cast<double>(compressed_steps_);
  (*state->mutable_scalars())["next_step"] = static_cast<double>(next_step_);
  // Byte counters (exact in a double up to 2^53 B).
  (*state->mutable_scalars())["bytes_sent"] = static_cast<double>(bytes_sent_);
  (*state->mutable_scalars())["dense_bytes"] = static_cast<double>(dense_bytes_);
  (*state->mutable_scalars())["traffic_sent"] = static_cast<double>(traffic_sent_);
  (*state->mutable_scalars())["traffic_dense"] = static_cast<double>(traffic_dense_);
  for (const Layer& l : layers_) {
    (*state->mutable_scalars())[absl::StrCat("setting/", l.name)] = l.candidates[l.choice];
    PutTensor(absl::StrCat("residual/", l.name), l.residual, state);
    if (!l.accum.empty()) PutTensor(absl::StrCat("lgreco_accum/", l.name), l.accum, state);
  }
  if (family_ != nullptr) family_->SaveState(LayerNames(), state);
}

absl::Status GradientCompressor::LoadState(const proto::StateProto& state) {
  auto method = state.strings().find("method");
  if (method == state.strings().end() || method->second != config_.method()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compressor state: saved with method \"",
        method == state.strings().end() ? "" : method->second, "\", config has \"",
        config_.method(), "\""));
  }
  if (auto it = state.scalars().find("compressed_steps"); it != state.scalars().end()) {
    compressed_steps_ = static_cast<int64_t>(it->second);
  }
  if (auto it = state.scalars().find("next_step"); it != state.scalars().end()) {
    next_step_ = static_cast<int64_t>(it->second);
  }
  for (auto [key, counter] : {std::pair<const char*, int64_t*>{"bytes_sent", &bytes_sent_},
                              {"dense_bytes", &dense_bytes_},
                              {"traffic_sent", &traffic_sent_},
                              {"traffic_dense", &traffic_dense_}}) {
    auto it = state.scalars().find(key);
    *counter = it != state.scalars().end() ? static_cast<int64_t>(it->second) : 0;
  }
  for (Layer& l : layers_) {
    auto it = state.scalars().find(absl::StrCat("setting/", l.name));
    if (it == state.scalars().end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("compressor state: no setting for \"", l.name, "\""));
    }
    auto found = std::find_if(l.candidates.begin(), l.candidates.end(), [&](double c) {
      return std::fabs(c - it->second) <= 1e-12 * std::max(1.0, std::fabs(c));
    });
    if (found == l.candidates.end()) {
      return absl::InvalidArgumentError(absl::StrCat("compressor state: setting ", it->second,
                                                     " of \"", l.name, "\" is not a candidate"));
    }
    l.choice = static_cast<int>(found - l.candidates.begin());
    l.residual.Zero();
    l.accum = core::Tensor();
  }
  for (const proto::TensorProto& t : state.tensors()) {
    for (Layer& l : layers_) {
      if (t.name() == absl::StrCat("residual/", l.name)) {
        absl::Status s = GetTensor(t, {l.rows, l.cols}, &l.residual);
        if (!s.ok()) return s;
      } else if (t.name() == absl::StrCat("lgreco_accum/", l.name)) {
        absl::Status s = GetTensor(t, {l.rows, l.cols}, &l.accum);
        if (!s.ok()) return s;
      }
    }
  }
  if (family_ != nullptr) return family_->LoadState(LayerNames(), state);
  return absl::OkStatus();
}

std::string GradientCompressor::SettingsString() const {
  std::string out;
  for (size_t i = 0; i < layers_.size(); ++i) {
    absl::StrAppend(&out, i ? " " : "", layers_[i].name, "=",
                    absl::StrFormat("%g", setting(static_cast<int>(i))));
  }
  return out;
}

std::string GradientCompressor::Summary() const {
  std::string out = absl::StrCat("compression: method=", config_.method(),
                                 " lgreco=", config_.lgreco() ? "on" : "off",
                                 " active=", active_ ? "yes" : "no", "\n");
  int64_t per_step = 0, dense_per_step = 0;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& l = layers_[i];
    const int64_t bytes = family_->WireBytes(l.rows, l.cols, setting(static_cast<int>(i)));
    per_step += bytes;
    dense_per_step += 4 * l.rows * l.cols;
    absl::StrAppend(&out, absl::StrFormat("  %-24s [%d x %d] setting %-8g %10d B/step (%.1fx)\n",
                                          l.name, l.rows, l.cols, setting(static_cast<int>(i)),
                                          bytes, 4.0 * l.rows * l.cols / std::max<int64_t>(bytes, 1)));
  }
  absl::StrAppend(&out, absl::StrFormat(
      "  compressed layers: %d, %d B/step vs %d dense (%.1fx); total sent %d B vs %d dense (%.2fx)",
      static_cast<int>(layers_.size()), per_step, dense_per_step,
      static_cast<double>(dense_per_step) / std::max<int64_t>(per_step, 1), bytes_sent_,
      dense_bytes_, static_cast<double>(dense_bytes_) / std::max<int64_t>(bytes_sent_, 1)));
  return out;
}

}  // namespace syncline::comm::compress
