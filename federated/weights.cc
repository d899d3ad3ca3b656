#include "federated/weights.h"

#include <cmath>
#include <cstdio>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace syncline::federated {

Weights FromParameters(const std::vector<core::Parameter>& params) {
  Weights w;
  w.reserve(params.size());
  for (const auto& p : params) w.push_back({p.name, *p.value});
  return w;
}

absl::Status ToParameters(const Weights& w, const std::vector<core::Parameter>& params) {
  if (w.size() != params.size()) {
    return absl::InvalidArgumentError(absl::StrCat("model has ", params.size(),
                                                   " parameters, got ", w.size(), " tensors"));
  }
  for (size_t i = 0; i < w.size(); ++i) {
    if (w[i].name != params[i].name || !w[i].value.SameShape(*params[i].value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor ", i, " is '", w[i].name, "' ", w[i].value.ShapeString(), ", model expects '",
          params[i].name, "' ", params[i].value->ShapeString()));
    }
  }
  for (size_t i = 0; i < w.size(); ++i) *params[i].value = w[i].value;
  return absl::OkStatus();
}

Weights ZerosLike(const Weights& w) {
  Weights z;
  z.reserve(w.size());
  for (const auto& t : w) z.push_back({t.name, core::Tensor(t.value.shape())});
  return z;
}

absl::Status SameLayout(const Weights& a, const Weights& b, const std::string& what) {
  if (a.size() != b.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": expected ", a.size(), " tensors, got ", b.size()));
  }
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].name != b[i].name) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": tensor ", i, " expected name '",
                                                     a[i].name, "', got '", b[i].name, "'"));
    }
    if (!a[i].value.SameShape(b[i].value)) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": tensor '", a[i].name,
                                                     "' expected shape ", a[i].value.ShapeString(),
                                                     ", got ", b[i].value.ShapeString()));
    }
  }
  return absl::OkStatus();
}

double Dot(const Weights& a, const Weights& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const float* x = a[i].value.data();
    const float* y = b[i].value.data();
    for (int64_t k = 0, n = a[i].value.numel(); k < n; ++k) {
      s += static_cast<double>(x[k]) * static_cast<double>(y[k]);
    }
  }
  return s;
}

void Axpy(double alpha, const Weights& x, Weights* y) {
  for (size_t i = 0; i < x.size(); ++i) {
    const float* src = x[i].value.data();
    float* dst = (*y)[i].value.data();
    for (int64_t k = 0, n = x[i].value.numel(); k < n; ++k) {
      dst[k] = static_cast<float>(static_cast<double>(dst[k]) + alpha * src[k]);
    }
  }
}

void Scale(double alpha, Weights* w) {
  for (auto& t : *w) {
    for (float& v : t.value.vec()) v = static_cast<float>(alpha * v);
  }
}

bool AllFinite(const Weights& w) {
  for (const auto& t : w) {
    for (float v : t.value.vec()) {
      if (!std::isfinite(v)) return false;
    }
  }
  return true;
}

int64_t NumElements(const Weights& w) {
  int64_t n = 0;
  for (const auto& t : w) n += t.value.numel();
  return n;
}

void ToProto(const NamedTensor& t, proto::TensorProto* out) {
  out->set_name(t.name);
  out->clear_shape();
  for (int64_t d : t.value.shape()) out->add_shape(d);
  out->set_data(reinterpret_cast<const char*>(t.value.data()), t.value.numel() * sizeof(float));
}

void ToProtos(const Weights& w, google::protobuf::RepeatedPtrField<proto::TensorProto>* out) {
  out->Clear();
  for (const auto& t : w) ToProto(t, out->Add());
}

absl::Status FromProto(const proto::TensorProto& p, NamedTensor* out) {
  core::Shape shape(p.shape().begin(), p.shape().end());
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || d > (int64_t{1} << 32)) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", p.name(), "': bad dimension ", d));
    }
    n *= d;
    if (n > (int64_t{1} << 34)) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", p.name(), "': too large"));
    }
  }
  if (static_cast<int64_t>(p.data().size()) != n * static_cast<int64_t>(sizeof(float))) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", p.name(), "': shape ",
                                                   core::ShapeToString(shape), " needs ",
                                                   n * 4, " bytes, got ", p.data().size()));
  }
  std::vector<float> values(n);
  if (n > 0) std::memcpy(values.data(), p.data().data(), n * sizeof(float));
  out->name = p.name();
  out->value = core::Tensor(std::move(shape), std::move(values));
  return absl::OkStatus();
}

absl::Status FromProtos(const google::protobuf::RepeatedPtrField<proto::TensorProto>& p,
                        Weights* out) {
  out->clear();
  out->resize(p.size());
  for (int i = 0; i < p.size(); ++i) {
    if (absl::Status s = FromProto(p[i], &(*out)[i]); !s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string WeightsHash(const Weights& w) {
  uint64_t h = 0xcbf29ce484222325ULL;
  auto feed = [&h](const void* data, size_t n) {
    const auto* b = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 0x100000001b3ULL;
    }
  };
  for (const auto& t : w) {
    feed(t.name.data(), t.name.size());
    feed(t.value.shape().data(), t.value.shape().size() * sizeof(int64_t));
    feed(t.value.data(), t.value.numel() * sizeof(float));
  }
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

}  // namespace syncline::federated
