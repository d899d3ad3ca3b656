// Helpers that move optimizer buffers in and out of a StateProto.
// Tensors are stored under "<prefix><parameter name>"; loading checks that
// every expected tensor is present with the expected element count and names
// the missing or mismatched one in the error.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/module.h"
#include "core/tensor.h"
#include "syncline/checkpoint.pb.h"

namespace syncline::optim {

void PutTensor(const std::string& name, const core::Tensor& t, proto::StateProto* state);
// Copies the stored tensor `name` into *t, which must already have the right
// number of elements (its shape is kept).
absl::Status GetTensor(const proto::StateProto& state, const std::string& name, core::Tensor* t);
void PutScalar(const std::string& name, double v, proto::StateProto* state);
absl::StatusOr<double> GetScalar(const proto::StateProto& state, const std::string& name);

// Copies every entry of `from` into `to` with `prefix` prepended to its name.
void MergeWithPrefix(const proto::StateProto& from, const std::string& prefix,
                     proto::StateProto* to);
// The entries of `from` whose names start with `prefix`, with the prefix removed.
proto::StateProto ExtractPrefix(const proto::StateProto& from, const std::string& prefix);

}  // namespace syncline::optim

namespace syncline::optim {

// Per-parameter buffers stored as "<prefix>/<parameter name>".
void PutBuffers(const std::string& prefix, const std::vector<core::Parameter>& params,
                const std::vector<core::Tensor>& buffers, proto::StateProto* state);
absl::Status GetBuffers(const proto::StateProto& state, const std::string& prefix,
                        const std::vector<core::Parameter>& params,
                        std::vector<core::Tensor>* buffers);

}  // namespace syncline::optim
