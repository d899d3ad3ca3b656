#include "comm/compress/fp16.h"

#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "comm/compress/linalg.h"

namespace syncline::comm::compress {
namespace {

// Every half's float value (256 KiB, built once): decoding N ranks'
// messages is a table load per value instead of a branchy conversion
// (gradients are often half subnormals, which took an ldexp each).
const float* HalfTable() {
  static const float* table = [] {
    auto* t = new float[65536];
    for (uint32_t h = 0; h < 65536; ++h) t[h] = HalfToFloat(static_cast<uint16_t>(h));
    return t;
  }();
  return table;
}

}  // namespace

int64_t Fp16Compressor::WireBytes(int64_t rows, int64_t cols, double /*setting*/) const {
  return 2 * rows * cols;
}

std::vector<double> Fp16Compressor::Errors(const float* a, int64_t rows, int64_t cols,
                                           const std::vector<double>& settings, int) const {
  double sum = 0.0;
  for (int64_t i = 0; i < rows * cols; ++i) {
    const double d = static_cast<double>(a[i]) - HalfToFloat(FloatToHalf(a[i]));
    sum += d * d;
  }
  return std::vector<double>(settings.size(), std::sqrt(sum));
}

absl::Status Fp16Compressor::Reduce(int64_t /*step*/, std::vector<LayerStep>& layers,
                                    Communicator& comm) {
  int64_t total = 0;
  for (const LayerStep& l : layers) total += l.numel();
  std::vector<uint16_t> message(total);
  const float* to_float = HalfTable();
  int64_t offset = 0;
  for (LayerStep& l : layers) {
    for (int64_t i = 0; i < l.numel(); ++i) {
      const uint16_t h = FloatToHalf(l.m[i]);
      message[offset + i] = h;
      l.m[i] -= to_float[h];  // residual: the rounding error
    }
    offset += l.numel();
  }
  std::vector<std::vector<uint8_t>> gathered;
  AllgatherOptions options;
  options.tag = "fp16";
  absl::Status status = comm.Allgatherv(message.data(), total * 2, &gathered, options);
  if (!status.ok()) return status;
  const float inv_world = 1.0f / static_cast<float>(comm.size());
  for (LayerStep& l : layers) std::memset(l.avg, 0, l.numel() * sizeof(float));
  for (size_t r = 0; r < gathered.size(); ++r) {
    if (static_cast<int64_t>(gathered[r].size()) != total * 2) {
      return absl::InvalidArgumentError(absl::StrCat("fp16: rank ", r, " sent ",
                                                     gathered[r].size(), " bytes, expected ",
                                                     total * 2));
    }
    const uint8_t* bytes = gathered[r].data();
    offset = 0;
    for (LayerStep& l : layers) {
      float* avg = l.avg;
      const uint8_t* in = bytes + 2 * offset;
      for (int64_t i = 0; i < l.numel(); ++i) {
        uint16_t h;
        std::memcpy(&h, in + 2 * i, 2);
        avg[i] += to_float[h];
      }
      offset += l.numel();
    }
  }
  for (LayerStep& l : layers) {
    for (int64_t i = 0; i < l.numel(); ++i) l.avg[i] *= inv_world;
  }
  return absl::OkStatus();
}

}  // namespace syncline::comm::compress
