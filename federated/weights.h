// Named float32 tensor lists: models, deltas and server-optimizer buffers.
// Reductions accumulate in fp64 (federated-conventions.md section 1).
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/module.h"
#include "core/tensor.h"
#include "syncline/tensor.pb.h"

namespace syncline::federated {

struct NamedTensor {
  std::string name;
  core::Tensor value;
};
using Weights = std::vector<NamedTensor>;

// Copies the parameter values (in the model's deterministic order).
Weights FromParameters(const std::vector<core::Parameter>& params);
// Writes `w` into the parameters; names and shapes must match exactly.
absl::Status ToParameters(const Weights& w, const std::vector<core::Parameter>& params);

// Zero tensors shaped like `w`.
Weights ZerosLike(const Weights& w);
// OK when a and b have the same names and shapes in the same order; else an
// error naming the first mismatch ("what" prefixes the message).
absl::Status SameLayout(const Weights& a, const Weights& b, const std::string& what);

// sum_i a_i * b_i over every element, fp64 accumulation in list order.
double Dot(const Weights& a, const Weights& b);
// y += alpha * x (per element in double, rounded once to float).
void Axpy(double alpha, const Weights& x, Weights* y);
void Scale(double alpha, Weights* w);
bool AllFinite(const Weights& w);
int64_t NumElements(const Weights& w);

void ToProto(const NamedTensor& t, proto::TensorProto* out);
void ToProtos(const Weights& w, google::protobuf::RepeatedPtrField<proto::TensorProto>* out);
// Fails when the data length does not equal 4 * product(shape) (message names the tensor).
absl::Status FromProto(const proto::TensorProto& p, NamedTensor* out);
absl::Status FromProtos(const google::protobuf::RepeatedPtrField<proto::TensorProto>& p,
                        Weights* out);

// FNV-1a 64 of names, shapes and raw bytes; 16 hex digits (used to compare models).
std::string WeightsHash(const Weights& w);

}  // namespace syncline::federated
