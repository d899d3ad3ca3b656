// im2col / col2im for one sample of a square-kernel 2-D convolution.
#pragma once

#include <cstdint>

namespace syncline::core {

struct ConvGeometry {
  int64_t channels, height, width;  // input plane
  int64_t kernel, stride, pad;
  int64_t out_h, out_w;
};

// cols: channels*k*k rows of out_h*out_w entries, consecutive rows `ld`
// floats apart (ld >= out_h*out_w lets a batch share one matrix
// [C*k*k, N*L], each sample owning a column block). Row (c, ki, kj), column
// (oh, ow) holds x[c, oh*stride - pad + ki, ow*stride - pad + kj] (0 outside).
void Im2Col(const ConvGeometry& g, const float* x, float* cols, int64_t ld);
// Adds every column entry back to its input position (the adjoint of Im2Col)
// into dx, which the caller has zeroed.
void Col2ImAdd(const ConvGeometry& g, const float* cols, int64_t ld, float* dx);

}  // namespace syncline::core
