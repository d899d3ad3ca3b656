// Small dense helpers for the compressors; GEMMs go through OpenBLAS.
// All matrices are row-major float32.
#pragma once

#include <cstdint>
#include <vector>

namespace syncline::comm::compress {

// C (rows x cols) = A (rows x inner) * B (inner x cols).
void MatMul(const float* a, const float* b, float* c, int64_t rows, int64_t inner, int64_t cols);
// C (rows x cols) = A^T * B with A (inner x rows), B (inner x cols).
void MatMulTransA(const float* a, const float* b, float* c, int64_t rows, int64_t inner,
                  int64_t cols);
// C (rows x cols) = A * B^T with A (rows x inner), B (cols x inner).
void MatMulTransB(const float* a, const float* b, float* c, int64_t rows, int64_t inner,
                  int64_t cols);

// Modified Gram-Schmidt on the columns of a (rows x cols), in place, in fp32.
// A column whose remaining norm is 0 or non-finite becomes the zero vector
// (never a division by 0).
void Orthonormalise(float* a, int64_t rows, int64_t cols);

// Frobenius norm, accumulated in double.
double FrobeniusNorm(const float* a, int64_t count);
// ||a - b||_F.
double FrobeniusDistance(const float* a, const float* b, int64_t count);

// Singular values of a (rows x cols), descending, via cyclic Jacobi on the
// smaller Gram matrix (A A^T or A^T A) in double. Meant for error tables, not hot paths.
std::vector<double> SingularValues(const float* a, int64_t rows, int64_t cols);

// IEEE binary16 conversion, round to nearest even. Values beyond the largest
// finite half are clamped to +-65504 (so error feedback stays finite).
uint16_t FloatToHalf(float value);
float HalfToFloat(uint16_t half);

}  // namespace syncline::comm::compress
