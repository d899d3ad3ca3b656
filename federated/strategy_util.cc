#include "federated/strategy_util.h"

#include <map>

#include "absl/strings/str_cat.h"

namespace syncline::federated::internal {

void SaveWeights(const std::string& prefix, const Weights& w, proto::StateProto* state) {
  for (const auto& t : w) {
    NamedTensor copy{prefix + "." + t.name, t.value};
    ToProto(copy, state->add_tensors());
  }
}

absl::Status LoadWeights(const proto::StateProto& state, const std::string& prefix,
                         const Weights& model, Weights* w, bool* present) {
  std::map<std::string, const proto::TensorProto*> by_name;
  for (const auto& t : state.tensors()) by_name[t.name()] = &t;
  *present = false;
  Weights out = ZerosLike(model);
  int found = 0;
  for (auto& t : out) {
    auto it = by_name.find(prefix + "." + t.name);
    if (it == by_name.end()) continue;
    NamedTensor loaded;
    if (absl::Status s = FromProto(*it->second, &loaded); !s.ok()) return s;
    if (!loaded.value.SameShape(t.value)) {
      return absl::InvalidArgumentError(absl::StrCat("strategy state '", loaded.name,
                                                     "' has shape ", loaded.value.ShapeString(),
                                                     ", model needs ", t.value.ShapeString()));
    }
    t.value = std::move(loaded.value);
    ++found;
  }
  if (found == 0) return absl::OkStatus();
  if (found != static_cast<int>(out.size())) {
    return absl::InvalidArgumentError(absl::StrCat("strategy state '", prefix, "' holds ", found,
                                                   " of ", out.size(), " tensors"));
  }
  *w = std::move(out);
  *present = true;
  return absl::OkStatus();
}

double Scalar(const proto::StateProto& state, const std::string& key, double fallback) {
  auto it = state.scalars().find(key);
  return it == state.scalars().end() ? fallback : it->second;
}

}  // namespace syncline::federated::internal
