#include "optim/mkor_inverse_factor.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "core/tensor.h"
#include "optim/state_io.h"

namespace syncline::optim::mkor {
namespace {

constexpr double kNegligibleTerm = 1e-7;  // relative to |alpha|

}  // namespace

InverseFactor::InverseFactor(int d, FactorForm form, bool round_to_half)
    : d_(d), form_(form), round_to_half_(round_to_half) {
  SetIdentity();
}

void InverseFactor::SetIdentity() {
  coef_.clear();
  terms_.clear();
  alpha_ = 1.0f;
  dense_ = form_ == FactorForm::kDense;
  if (dense_) {
    matrix_.resize(static_cast<size_t>(d_) * d_);
    mkor::SetIdentity(matrix_.data(), d_);
  } else {
    std::vector<float>().swap(matrix_);
  }
}

void InverseFactor::BlendToIdentity(float zeta) {
  if (zeta == 0.0f) {
    SetIdentity();
    return;
  }
  if (dense_) {
    mkor::BlendToIdentity(matrix_.data(), d_, zeta);
  } else {
    alpha_ = zeta * alpha_ + (1.0f - zeta);
    for (float& c : coef_) c *= zeta;
  }
  AfterChange();
}

void InverseFactor::MultiplyVector(const float* v, float* y) const {
  for (int i = 0; i < d_; ++i) y[i] = alpha_ * v[i];
  for (int j = 0; j < rank(); ++j) {
    const float* u = &terms_[static_cast<size_t>(j) * d_];
    const float s = static_cast<float>(coef_[j] * Dot(u, v, d_));
    for (int i = 0; i < d_; ++i) y[i] += s * u[i];
  }
}

bool InverseFactor::Update(UpdateVariant variant, const float* v, float gamma) {
  std::vector<float> scratch;
  if (dense_) {
    if (!mkor::Update(variant, matrix_.data(), d_, v, gamma, &scratch)) return false;
    AfterChange();
    return true;
  }
  std::vector<float> y(static_cast<size_t>(d_));
  MultiplyVector(v, y.data());
  if (variant == UpdateVariant::kReference) {
    // X = gamma F + (1 - gamma) I; F <- X - (X v)(X v)^T / (1 + v^T X v).
    for (int i = 0; i < d_; ++i) y[i] = gamma * y[i] + (1.0f - gamma) * v[i];
    const double denom = 1.0 + Dot(v, y.data(), d_);
    if (!UsableDenominator(denom)) return false;
    alpha_ = gamma * alpha_ + (1.0f - gamma);
    for (float& c : coef_) c *= gamma;
    AppendTerm(y.data(), static_cast<float>(-1.0 / denom));
  } else {
    // F <- F / gamma - (1 - gamma) u u^T / (gamma (gamma + (1 - gamma) s)), u = F v, s = v^T u.
    const double s = Dot(v, y.data(), d_);
    const double denom = gamma * (gamma + (1.0 - gamma) * s);
    if (!UsableDenominator(denom)) return false;
    const float inv_gamma = 1.0f / gamma;
    alpha_ *= inv_gamma;
    for (float& c : coef_) c *= inv_gamma;
    AppendTerm(y.data(), static_cast<float>(-(1.0 - gamma) / denom));
  }
  AfterChange();
  return true;
}

void InverseFactor::AppendTerm(const float* u, float c) {
  coef_.push_back(c);
  terms_.insert(terms_.end(), u, u + d_);
}

void InverseFactor::AfterChange() {
  if (!dense_) {
    DropNegligibleTerms();
    if (2 * rank() >= d_) MakeDense();
  }
  if (dense_ && round_to_half_) RoundToHalf(matrix_.data(), static_cast<int64_t>(matrix_.size()));
}

void InverseFactor::DropNegligibleTerms() {
  const double limit = kNegligibleTerm * std::fabs(alpha_);
  int kept = 0;
  for (int j = 0; j < rank(); ++j) {
    const float* u = &terms_[static_cast<size_t>(j) * d_];
    if (std::fabs(coef_[j]) * Dot(u, u, d_) < limit) continue;
    if (kept != j) {
      coef_[kept] = coef_[j];
      std::copy(u, u + d_, &terms_[static_cast<size_t>(kept) * d_]);
    }
    ++kept;
  }
  coef_.resize(kept);
  terms_.resize(static_cast<size_t>(kept) * d_);
}

void InverseFactor::MakeDense() {
  std::vector<float> f = ToDense();
  ClearStorage();
  matrix_ = std::move(f);
  dense_ = true;
  alpha_ = 1.0f;
}

std::vector<float> InverseFactor::ToDense() const {
  if (dense_) return matrix_;
  std::vector<float> f(static_cast<size_t>(d_) * d_, 0.0f);
  const int k = rank();
  if (k > 0) {
    // F = U^T diag(c) U + alpha I, with the terms as the rows of U (k x d).
    std::vector<float> scaled(terms_);
    for (int j = 0; j < k; ++j) {
      for (int i = 0; i < d_; ++i) scaled[static_cast<size_t>(j) * d_ + i] *= coef_[j];
    }
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d_, d_, k, 1.0f, terms_.data(), d_,
                scaled.data(), d_, 0.0f, f.data(), d_);
  }
  for (int i = 0; i < d_; ++i) f[static_cast<size_t>(i) * d_ + i] += alpha_;
  return f;
}

double InverseFactor::StabilizerNorm(StabNorm norm) const {
  if (dense_) return mkor::StabilizerNorm(matrix_.data(), d_, norm);
  if (rank() == 0) return std::fabs(alpha_);
  return mkor::StabilizerNorm(ToDense().data(), d_, norm);
}

bool InverseFactor::AllFinite() const {
  if (dense_) return mkor::AllFinite(matrix_.data(), static_cast<int64_t>(matrix_.size()));
  return std::isfinite(alpha_) && mkor::AllFinite(coef_.data(), rank()) &&
         mkor::AllFinite(terms_.data(), static_cast<int64_t>(terms_.size()));
}

void InverseFactor::MultiplyLeft(const float* in, int n, float* out, std::vector<float>* scratch) const {
  if (dense_) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, d_, n, d_, 1.0f, matrix_.data(), d_, in,
                n, 0.0f, out, n);
    return;
  }
  const int k = rank();
  const int64_t size = static_cast<int64_t>(d_) * n;
  for (int64_t i = 0; i < size; ++i) out[i] = alpha_ * in[i];
  if (k == 0) return;
  // out += U^T diag(c) (U in): T = U in is k x n.
  scratch->resize(static_cast<size_t>(k) * n);
  float* t = scratch->data();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, k, n, d_, 1.0f, terms_.data(), d_, in, n,
              0.0f, t, n);
  for (int j = 0; j < k; ++j) cblas_sscal(n, coef_[j], t + static_cast<int64_t>(j) * n, 1);
  cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d_, n, k, 1.0f, terms_.data(), d_, t, n,
              1.0f, out, n);
}

void InverseFactor::MultiplyRight(const float* in, int m, float* out, std::vector<float>* scratch) const {
  if (dense_) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, d_, d_, 1.0f, in, d_, matrix_.data(),
                d_, 0.0f, out, d_);
    return;
  }
  const int k = rank();
  const int64_t size = static_cast<int64_t>(m) * d_;
  for (int64_t i = 0; i < size; ++i) out[i] = alpha_ * in[i];
  if (k == 0) return;
  // out += (in U^T) diag(c) U: T = in U^T is m x k.
  scratch->resize(static_cast<size_t>(m) * k);
  float* t = scratch->data();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, k, d_, 1.0f, in, d_, terms_.data(), d_,
              0.0f, t, k);
  for (int j = 0; j < k; ++j) cblas_sscal(m, coef_[j], t + j, k);
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, d_, k, 1.0f, t, k, terms_.data(), d_,
              1.0f, out, d_);
}

void InverseFactor::Free() {
  d_ = 0;
  dense_ = true;
  ClearStorage();
}

void InverseFactor::ClearStorage() {
  std::vector<float>().swap(matrix_);
  std::vector<float>().swap(coef_);
  std::vector<float>().swap(terms_);
}

void InverseFactor::Save(const std::string& key, proto::StateProto* state) const {
  if (dense_) {
    PutTensor(key, core::Tensor({d_, d_}, matrix_), state);
    return;
  }
  PutScalar(key + "/alpha", alpha_, state);
  PutScalar(key + "/rank", rank(), state);
  PutTensor(key + "/coef", core::Tensor({rank()}, coef_), state);
  PutTensor(key + "/terms", core::Tensor({rank(), d_}, terms_), state);
}

absl::Status InverseFactor::Load(const proto::StateProto& state, const std::string& key) {
  auto rank = GetScalar(state, key + "/rank");
  if (!rank.ok()) {  // dense (also every checkpoint written before the low-rank form)
    core::Tensor f({d_, d_});
    if (absl::Status s = GetTensor(state, key, &f); !s.ok()) return s;
    ClearStorage();
    matrix_ = std::move(f.vec());
    dense_ = true;
    return absl::OkStatus();
  }
  const int k = static_cast<int>(*rank);
  if (k < 0 || 2 * k > d_ || form_ == FactorForm::kDense) {
    return absl::InvalidArgumentError(absl::StrCat(
        "optimizer state ", key, ": low-rank factor with ", k, " terms does not fit a ", d_, " x ",
        d_, " factor in form ", form_ == FactorForm::kDense ? "dense" : "auto"));
  }
  auto alpha = GetScalar(state, key + "/alpha");
  if (!alpha.ok()) return alpha.status();
  core::Tensor coef({k}), terms({k, d_});
  if (absl::Status s = GetTensor(state, key + "/coef", &coef); !s.ok()) return s;
  if (absl::Status s = GetTensor(state, key + "/terms", &terms); !s.ok()) return s;
  ClearStorage();
  dense_ = false;
  alpha_ = static_cast<float>(*alpha);
  coef_ = std::move(coef.vec());
  terms_ = std::move(terms.vec());
  return absl::OkStatus();
}

absl::Status InverseFactor::Broadcast(comm::Communicator* comm, int root, const std::string& tag) {
  comm::BroadcastOptions o;
  o.root = root;
  o.tag = tag;
  // Header: dense flag, alpha, rank; then the matrix or the coefficients and terms.
  float header[3] = {dense_ ? 1.0f : 0.0f, alpha_, static_cast<float>(rank())};
  if (absl::Status s = comm->Broadcast(header, sizeof(header), o); !s.ok()) return s;
  dense_ = header[0] != 0.0f;
  alpha_ = header[1];
  const int k = static_cast<int>(header[2]);
  if (dense_) {
    matrix_.resize(static_cast<size_t>(d_) * d_);
    std::vector<float>().swap(coef_);
    std::vector<float>().swap(terms_);
    return comm->Broadcast(matrix_.data(), matrix_.size() * sizeof(float), o);
  }
  std::vector<float>().swap(matrix_);
  coef_.resize(static_cast<size_t>(k));
  terms_.resize(static_cast<size_t>(k) * d_);
  if (k == 0) return absl::OkStatus();
  if (absl::Status s = comm->Broadcast(coef_.data(), coef_.size() * sizeof(float), o); !s.ok()) return s;
  return comm->Broadcast(terms_.data(), terms_.size() * sizeof(float), o);
}

}  // namespace syncline::optim::mkor
