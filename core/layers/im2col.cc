#include "core/layers/im2col.h"

#include <algorithm>

namespace syncline::core {
namespace {

// Output columns ow whose input column ow*stride - pad + kj lies in [0, width).
void ValidRange(const ConvGeometry& g, int64_t kj, int64_t* lo, int64_t* hi) {
  const int64_t off = kj - g.pad;  // iw = ow*stride + off
  *lo = off >= 0 ? 0 : (-off + g.stride - 1) / g.stride;
  *hi = off >= g.width ? 0 : std::min(g.out_w, (g.width - 1 - off) / g.stride + 1);
  *lo = std::min(*lo, *hi);
}

}  // namespace

void Im2Col(const ConvGeometry& g, const float* x, float* cols, int64_t ld) {
  const int64_t plane = g.height * g.width;
  int64_t row = 0;
  for (int64_t c = 0; c < g.channels; ++c) {
    for (int64_t ki = 0; ki < g.kernel; ++ki) {
      for (int64_t kj = 0; kj < g.kernel; ++kj, ++row) {
        int64_t lo, hi;
        ValidRange(g, kj, &lo, &hi);
        const int64_t off = kj - g.pad;
        float* out = cols + row * ld;
        for (int64_t oh = 0; oh < g.out_h; ++oh, out += g.out_w) {
          const int64_t ih = oh * g.stride - g.pad + ki;
          if (ih < 0 || ih >= g.height) {
            std::fill(out, out + g.out_w, 0.0f);
            continue;
          }
          const float* in = x + c * plane + ih * g.width;  // input row; column ow reads in[ow*s + off]
          std::fill(out, out + lo, 0.0f);
          if (g.stride == 1) {
            std::copy(in + lo + off, in + hi + off, out + lo);
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) out[ow] = in[ow * g.stride + off];
          }
          std::fill(out + hi, out + g.out_w, 0.0f);
        }
      }
    }
  }
}

void Col2ImAdd(const ConvGeometry& g, const float* cols, int64_t ld, float* dx) {
  const int64_t plane = g.height * g.width;
  int64_t row = 0;
  for (int64_t c = 0; c < g.channels; ++c) {
    for (int64_t ki = 0; ki < g.kernel; ++ki) {
      for (int64_t kj = 0; kj < g.kernel; ++kj, ++row) {
        int64_t lo, hi;
        ValidRange(g, kj, &lo, &hi);
        const int64_t off = kj - g.pad;
        const float* in = cols + row * ld;
        for (int64_t oh = 0; oh < g.out_h; ++oh, in += g.out_w) {
          const int64_t ih = oh * g.stride - g.pad + ki;
          if (ih < 0 || ih >= g.height) continue;
          float* out = dx + c * plane + ih * g.width;
          for (int64_t ow = lo; ow < hi; ++ow) out[ow * g.stride + off] += in[ow];
        }
      }
    }
  }
}

}  // namespace syncline::core
