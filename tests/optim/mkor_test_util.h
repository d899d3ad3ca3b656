// Linear layers with hand-written forward/backward for MKOR tests: each layer
// regresses y = W x (+ b) onto targets with loss sum over layers of
// 1/(2n) sum_rows ||y - t||^2, and fills its Rank1Stats like core::Linear
// (a = mean input row with a trailing 1 for the bias, g = mean of n * dL/dy).
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/module.h"
#include "optim/mkor.h"
#include "tests/optim/test_params.h"

namespace syncline::optim::testing {

struct LayerSpec {
  std::string name;
  int d_in, d_out;
  bool bias;
};

class TinyNet {
 public:
  TinyNet(const std::vector<LayerSpec>& specs, uint64_t seed) : specs_(specs) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> n01;
    for (const LayerSpec& s : specs) {
      std::vector<float> w(s.d_in * s.d_out);
      for (float& v : w) v = 0.5f * n01(rng);
      params_.Add(s.name + ".weight", w, {s.d_out, s.d_in});
      if (s.bias) params_.Add(s.name + ".bias", std::vector<float>(s.d_out, 0.1f));
    }
    int p = 0;
    stats_.resize(specs.size());
    for (size_t l = 0; l < specs.size(); ++l) {
      stats_[l].layer = specs[l].name;
      stats_[l].weight = &params_.value(p);
      stats_[l].weight_grad = &params_.grad(p++);
      stats_[l].bias_grad = specs[l].bias ? &params_.grad(p++) : nullptr;
    }
  }

  // Zeroes gradients, then computes gradients and (if collect) statistics for
  // rows [begin, end) of per-layer inputs x[l] (n x d_in) and targets t[l].
  // Returns the mean loss over those rows.
  double Backward(const std::vector<std::vector<float>>& x, const std::vector<std::vector<float>>& t,
                  int begin, int end, bool collect) {
    double loss = 0;
    const int n = end - begin;
    for (size_t l = 0; l < specs_.size(); ++l) {
      const LayerSpec& s = specs_[l];
      core::Rank1Stats& st = stats_[l];
      const float* w = st.weight->data();
      const float* b = s.bias ? params_.value(ParamIndex(l) + 1).data() : nullptr;
      st.weight_grad->Zero();
      if (st.bias_grad) st.bias_grad->Zero();
      if (collect) {
        st.a = core::Tensor({s.d_in + (s.bias ? 1 : 0)});
        st.g = core::Tensor({s.d_out});
      }
      for (int r = begin; r < end; ++r) {
        const float* xr = &x[l][r * s.d_in];
        for (int o = 0; o < s.d_out; ++o) {
          float y = b ? b[o] : 0.0f;
          for (int i = 0; i < s.d_in; ++i) y += w[o * s.d_in + i] * xr[i];
          const float diff = y - t[l][r * s.d_out + o];
          loss += 0.5 * diff * diff / n;
          const float dy = diff / n;
          for (int i = 0; i < s.d_in; ++i) (*st.weight_grad)[o * s.d_in + i] += dy * xr[i];
          if (st.bias_grad) (*st.bias_grad)[o] += dy;
          if (collect) st.g[o] += dy;  // (1/n) * sum over rows of n * dy
        }
        if (collect) {
          for (int i = 0; i < s.d_in; ++i) st.a[i] += xr[i] / n;
          if (s.bias) st.a[s.d_in] += 1.0f / n;
        }
      }
    }
    return loss;
  }

  ParamSet& params() { return params_; }
  std::vector<core::Rank1Stats*> stats() {
    std::vector<core::Rank1Stats*> out;
    for (auto& s : stats_) out.push_back(&s);
    return out;
  }
  core::Rank1Stats& stat(int l) { return stats_[l]; }

 private:
  int ParamIndex(size_t layer) const {
    int p = 0;
    for (size_t l = 0; l < layer; ++l) p += specs_[l].bias ? 2 : 1;
    return p;
  }
  std::vector<LayerSpec> specs_;
  ParamSet params_;
  std::vector<core::Rank1Stats> stats_;
};

// Random inputs and targets for n rows of every layer.
inline void MakeData(const std::vector<LayerSpec>& specs, int n, uint64_t seed,
                     std::vector<std::vector<float>>* x, std::vector<std::vector<float>>* t) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> n01;
  x->clear();
  t->clear();
  for (const LayerSpec& s : specs) {
    std::vector<float> xs(n * s.d_in), ts(n * s.d_out);
    for (float& v : xs) v = n01(rng) + 0.3f;
    for (float& v : ts) v = n01(rng);
    x->push_back(xs);
    t->push_back(ts);
  }
}

inline proto::OptimizerConfig MkorConfig(const std::string& base, int inv_freq) {
  proto::OptimizerConfig c;
  c.set_name("mkor");
  c.set_lr(0.05f);
  c.set_momentum(0.9f);
  c.mutable_mkor()->set_base(base);
  c.mutable_mkor()->set_inv_freq(inv_freq);
  c.mutable_mkor()->set_factor_dtype("fp32");
  c.mutable_mkor()->set_comm_dtype("fp32");
  return c;
}

}  // namespace syncline::optim::testing
