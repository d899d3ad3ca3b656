// im2col / col2im for one sample of a square-kernel 2-D convolution.
#pragma once

#include <cstdint>

namespace syncline::core {

struct ConvGeometry {
  int64_t channels, height, width;  // input plane
  int64_t kernel, stride, pad;
  int64_t out_h, out_w;
};

// cols [channels*k*k, out_h*out_w]: row (c, ki, kj), column (oh, ow) holds
// x[c, oh*stride - pad + ki, ow*stride - pad + kj] (0 outside the image).
void Im2Col(const ConvGeometry& g, const float* x, float* cols);
// Adds every column entry back to its input position (the adjoint of Im2Col)
// into dx, which the caller has zeroed.
void Col2ImAdd(const ConvGeometry& g, const float* cols, float* dx);

}  // namespace syncline::core
