// Helpers for optimizer tests: parameters that own their tensors.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/module.h"
#include "core/tensor.h"

namespace syncline::optim::testing {

// Owns values and grads; params() points into them.
class ParamSet {
 public:
  // Adds a parameter with the given values (shape [n] unless given).
  void Add(const std::string& name, std::vector<float> values, core::Shape shape = {}) {
    if (shape.empty()) shape = {static_cast<int64_t>(values.size())};
    values_.push_back(std::make_unique<core::Tensor>(shape, std::move(values)));
    grads_.push_back(std::make_unique<core::Tensor>(shape));
    params_.push_back({name, values_.back().get(), grads_.back().get()});
  }
  void SetGrad(int i, const std::vector<float>& g) { grads_[i]->vec() = g; }
  core::Tensor& value(int i) { return *values_[i]; }
  core::Tensor& grad(int i) { return *grads_[i]; }
  const std::vector<core::Parameter>& params() const { return params_; }

 private:
  std::vector<std::unique_ptr<core::Tensor>> values_, grads_;
  std::vector<core::Parameter> params_;
};

}  // namespace syncline::optim::testing
