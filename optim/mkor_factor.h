// MKOR inverse-factor arithmetic (specs/mkor.md sections 3 and 4) on one
// square, symmetric, row-major d x d factor F stored as float32. All updates
// compute in float32 (norms in double). Every update returns false, leaving
// F unchanged, when its Sherman-Morrison denominator is <= 1e-6 or not finite.
#pragma once

#include <cstdint>
#include <vector>

namespace syncline::optim::mkor {

enum class UpdateVariant { kReference, kExactMomentum };
enum class StabNorm { kMaxAbs, kInfNorm };

// F <- SM(X, v) with X = gamma F + (1 - gamma) I (the released code's update).
// scratch is resized as needed.
bool ReferenceUpdate(float* f, int d, const float* v, float gamma, std::vector<float>* scratch);
// F <- P/gamma - (1-gamma) u u^T / (gamma (gamma + (1-gamma) s)), u = P v, s = v^T u:
// the exact inverse of gamma P^-1 + (1 - gamma) v v^T.
bool ExactMomentumUpdate(float* f, int d, const float* v, float gamma, std::vector<float>* scratch);
bool Update(UpdateVariant variant, float* f, int d, const float* v, float gamma,
            std::vector<float>* scratch);

// Sum of a[i] b[i] in double.
double Dot(const float* a, const float* b, int d);
// The updates' guard: a Sherman-Morrison denominator is usable iff it is
// finite and > 1e-6.
bool UsableDenominator(double denom);

// max_ij |F_ij| or the infinity norm (max absolute row sum).
double StabilizerNorm(const float* f, int d, StabNorm norm);
// F <- zeta F + (1 - zeta) I (zeta = 0: F = I).
void BlendToIdentity(float* f, int d, float zeta);
void SetIdentity(float* f, int d);
bool AllFinite(const float* x, int64_t n);
// Rounds every element to the nearest IEEE half-precision value (storage and
// wire precision "fp16"); values beyond the half range become +-inf.
void RoundToHalf(float* x, int64_t n);
float RoundToHalf(float x);

}  // namespace syncline::optim::mkor
