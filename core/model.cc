#include "core/model.h"

#include <algorithm>
#include <utility>

#include "core/check.h"

namespace syncline::core {

void Model::Add(std::string name, std::unique_ptr<Module> child) {
  SYNCLINE_CHECK(!indexed_) << "Model::Add after Parameters() was taken";
  Child c;
  c.name = std::move(name);
  c.module = std::move(child);
  children_.push_back(std::move(c));
}

void Model::ForwardInto(const Tensor& x, Tensor* y) {
  input_.Resize(x.shape());
  std::copy(x.data(), x.data() + x.numel(), input_.data());
  if (children_.empty()) {
    *y = input_;
    return;
  }
  const Tensor* in = &input_;
  const int last = num_children() - 1;
  for (int i = 0; i <= last; ++i) {
    Child& c = children_[i];
    if (training_) c.module->SetRngCounter(rng_counter_);
    Tensor* out = i == last ? y : &c.out;
    c.module->ForwardInto(*in, out);
    in = out;
  }
  if (training_) ++rng_counter_;
}

void Model::BackwardInto(const Tensor& dy, Tensor* dx) {
  if (!indexed_) IndexParameters();
  if (children_.empty()) {
    if (dx != nullptr) *dx = dy;
    return;
  }
  // Without dL/dinput nothing in front of the first child with parameters
  // needs a gradient, and that child needs no input gradient either (for the
  // mlp behind "flatten" this skips a GEMM as large as fc1's forward).
  int first_with_params = 0;
  if (!compute_input_grad_) {
    while (first_with_params < num_children() && children_[first_with_params].num_params == 0) {
      ++first_with_params;
    }
  }
  const Tensor* grad = &dy;
  for (int i = num_children() - 1; i >= first_with_params; --i) {
    Child& c = children_[i];
    Tensor* target = &c.grad;
    if (i == first_with_params) target = compute_input_grad_ ? dx : nullptr;
    c.module->BackwardInto(*grad, target);
    if (c.num_params > 0 && grad_ready_hook_) grad_ready_hook_(c.first_param, c.num_params);
    grad = target;
  }
}

void Model::IndexParameters() {
  params_.clear();
  for (Child& c : children_) {
    c.first_param = static_cast<int>(params_.size());
    c.module->AppendParameters(c.name + ".", &params_);
    c.num_params = static_cast<int>(params_.size()) - c.first_param;
  }
  indexed_ = true;
}

void Model::AppendParameters(const std::string& prefix, std::vector<Parameter>* out) {
  for (const Parameter& p : Parameters()) out->push_back({prefix + p.name, p.value, p.grad});
}

const std::vector<Parameter>& Model::Parameters() {
  if (!indexed_) IndexParameters();
  return params_;
}

int64_t Model::NumParameterElements() {
  int64_t n = 0;
  for (const Parameter& p : Parameters()) n += p.value->numel();
  return n;
}

std::vector<Rank1Stats*> Model::Rank1Layers() {
  Parameters();  // names the stats slots
  std::vector<Rank1Stats*> out;
  for (Child& c : children_) {
    if (Rank1Stats* s = c.module->rank1_stats()) out.push_back(s);
  }
  return out;
}

void Model::SetCollectRank1Stats(bool on) {
  set_collect_rank1_stats(on);
  for (Child& c : children_) {
    c.module->set_collect_rank1_stats(on);
    if (auto* m = dynamic_cast<Model*>(c.module.get())) m->SetCollectRank1Stats(on);
  }
}

void Model::SetTraining(bool training) {
  Module::SetTraining(training);
  for (Child& c : children_) c.module->SetTraining(training);
}

void Model::ZeroGrad() {
  for (const Parameter& p : Parameters()) p.grad->Zero();
}

}  // namespace syncline::core
