// One MKOR inverse Kronecker factor F (d x d, symmetric; specs/mkor.md
// sections 3 and 4), in the representation that is cheapest to apply.
//
// Every update of section 3 maps F = alpha I + sum_j c_j u_j u_j^T to the
// same form with one more term: the reference update scales the old terms by
// gamma and adds -(X v)(X v)^T / (1 + v^T X v); exact_momentum divides alpha
// and every c_j by gamma and adds one term. So in form kAuto F is kept as
// (alpha, c, U) and applied to a gradient in O(d k) per column instead of
// O(d^2): the preconditioning H = L^-1 G R^-1 costs ~4 m n k flops instead of
// m n (m + n). Terms whose norm |c_j| |u_j|^2 fell below 1e-7 |alpha| (the
// reference update shrinks each term by gamma per update) are dropped; that is
// below float32 resolution of F's entries. Once F has d/2 terms a dense matrix
// is as cheap, and F becomes dense until the next reset to I.
//
// Form kDense always keeps the dense matrix, as the reference code does, and
// `round_to_half` rounds it to fp16 after every change (factor_dtype fp16).
// Low-rank factors are kept in float32: with k < d/2 terms they take less
// memory than the fp16 dense matrix.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "comm/communicator.h"
#include "optim/mkor_factor.h"
#include "syncline/checkpoint.pb.h"

namespace syncline::optim::mkor {

enum class FactorForm { kAuto, kDense };

class InverseFactor {
 public:
  InverseFactor() = default;
  // F = I.
  InverseFactor(int d, FactorForm form, bool round_to_half);

  int dim() const { return d_; }
  bool dense() const { return dense_; }
  // Number of low-rank terms (0 when dense).
  int rank() const { return static_cast<int>(coef_.size()); }

  void SetIdentity();
  // F <- zeta F + (1 - zeta) I (zeta = 0: F = I).
  void BlendToIdentity(float zeta);
  // One update of section 3; false (F unchanged) when its Sherman-Morrison
  // denominator is <= 1e-6 or not finite.
  bool Update(UpdateVariant variant, const float* v, float gamma);
  double StabilizerNorm(StabNorm norm) const;
  bool AllFinite() const;

  // out[d x n] = F in[d x n] and out[m x d] = in[m x d] F (row-major; out
  // must not alias in). `scratch` is resized as needed.
  void MultiplyLeft(const float* in, int n, float* out, std::vector<float>* scratch) const;
  void MultiplyRight(const float* in, int m, float* out, std::vector<float>* scratch) const;

  // The d x d matrix, row-major.
  std::vector<float> ToDense() const;
  // Frees the storage (MKOR-H after its switch): F becomes 0 x 0.
  void Free();

  // Checkpoint under names starting with `key`; Load restores the exact
  // representation (dense or terms), so a resumed run continues bit for bit.
  void Save(const std::string& key, proto::StateProto* state) const;
  absl::Status Load(const proto::StateProto& state, const std::string& key);
  // Makes every rank's factor equal to `root`'s (mkor.resync_every).
  absl::Status Broadcast(comm::Communicator* comm, int root, const std::string& tag);

 private:
  // F v into y (length d).
  void MultiplyVector(const float* v, float* y) const;
  void AppendTerm(const float* u, float c);
  void DropNegligibleTerms();
  void MakeDense();
  void ClearStorage();
  void AfterChange();  // drop, densify and round as the form asks

  int d_ = 0;
  FactorForm form_ = FactorForm::kAuto;
  bool round_to_half_ = false;
  bool dense_ = false;
  std::vector<float> matrix_;  // dense: d x d row-major
  float alpha_ = 1.0f;         // low rank: F = alpha I + sum_j coef_[j] u_j u_j^T
  std::vector<float> coef_;
  std::vector<float> terms_;  // u_j as rows: rank() x d
};

}  // namespace syncline::optim::mkor
