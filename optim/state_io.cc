#include "optim/state_io.h"

#include <cstring>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace syncline::optim {

void PutTensor(const std::string& name, const core::Tensor& t, proto::StateProto* state) {
  proto::TensorProto* tp = state->add_tensors();
  tp->set_name(name);
  for (int64_t d : t.shape()) tp->add_shape(d);
  tp->set_data(reinterpret_cast<const char*>(t.data()), t.numel() * sizeof(float));
}

absl::Status GetTensor(const proto::StateProto& state, const std::string& name, core::Tensor* t) {
  for (const proto::TensorProto& tp : state.tensors()) {
    if (tp.name() != name) continue;
    const size_t bytes = static_cast<size_t>(t->numel()) * sizeof(float);
    if (tp.data().size() != bytes) {
      return absl::InvalidArgumentError(
          absl::StrCat("optimizer state tensor ", name, " has ", tp.data().size() / sizeof(float),
                       " elements, expected ", t->numel(), " (", t->ShapeString(), ")"));
    }
    if (bytes > 0) std::memcpy(t->data(), tp.data().data(), bytes);
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat("optimizer state has no tensor ", name));
}

void PutScalar(const std::string& name, double v, proto::StateProto* state) {
  (*state->mutable_scalars())[name] = v;
}

absl::StatusOr<double> GetScalar(const proto::StateProto& state, const std::string& name) {
  auto it = state.scalars().find(name);
  if (it == state.scalars().end()) {
    return absl::InvalidArgumentError(absl::StrCat("optimizer state has no scalar ", name));
  }
  return it->second;
}

void MergeWithPrefix(const proto::StateProto& from, const std::string& prefix,
                     proto::StateProto* to) {
  for (const proto::TensorProto& tp : from.tensors()) {
    proto::TensorProto* copy = to->add_tensors();
    *copy = tp;
    copy->set_name(prefix + tp.name());
  }
  for (const auto& [k, v] : from.scalars()) (*to->mutable_scalars())[prefix + k] = v;
  for (const auto& [k, v] : from.strings()) (*to->mutable_strings())[prefix + k] = v;
}

proto::StateProto ExtractPrefix(const proto::StateProto& from, const std::string& prefix) {
  proto::StateProto out;
  for (const proto::TensorProto& tp : from.tensors()) {
    if (!absl::StartsWith(tp.name(), prefix)) continue;
    proto::TensorProto* copy = out.add_tensors();
    *copy = tp;
    copy->set_name(tp.name().substr(prefix.size()));
  }
  for (const auto& [k, v] : from.scalars()) {
    if (absl::StartsWith(k, prefix)) (*out.mutable_scalars())[k.substr(prefix.size())] = v;
  }
  for (const auto& [k, v] : from.strings()) {
    if (absl::StartsWith(k, prefix)) (*out.mutable_strings())[k.substr(prefix.size())] = v;
  }
  return out;
}

}  // namespace syncline::optim

namespace syncline::optim {

void PutBuffers(const std::string& prefix, const std::vector<core::Parameter>& params,
                const std::vector<core::Tensor>& buffers, proto::StateProto* state) {
  for (size_t i = 0; i < buffers.size(); ++i) {
    PutTensor(prefix + "/" + params[i].name, buffers[i], state);
  }
}

absl::Status GetBuffers(const proto::StateProto& state, const std::string& prefix,
                        const std::vector<core::Parameter>& params,
                        std::vector<core::Tensor>* buffers) {
  for (size_t i = 0; i < buffers->size(); ++i) {
    if (absl::Status s = GetTensor(state, prefix + "/" + params[i].name, &(*buffers)[i]); !s.ok()) {
      return s;
    }
  }
  return absl::OkStatus();
}

}  // namespace syncline::optim
