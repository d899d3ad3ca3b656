#include "comm/compress/qsgd.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "comm/compress/rng.h"

namespace syncline::comm::compress {
namespace {

constexpr uint64_t kNoiseStream = 0x95;
constexpr float kTinyUnit = 1e-30f;

struct Range {
  float lo;
  float unit;
};

Range BucketRange(const float* x, int64_t n, int bits) {
  float lo = x[0], hi = x[0];
  for (int64_t i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  const float levels = static_cast<float>((1u << bits) - 1);
  return {lo, (hi - lo) / levels};
}

}  // namespace

QsgdCompressor::QsgdCompressor(const proto::CompressionConfig& config)
    : bucket_(config.qsgd_bucket_size()), seed_(static_cast<uint64_t>(config.lgreco_seed())) {}

int64_t QsgdCompressor::MessageBytes(int64_t numel, int bits, int64_t bucket) {
  if (bits >= 32) return 4 * numel;
  return (numel * bits + 7) / 8 + 8 * ((numel + bucket - 1) / bucket);
}

int64_t QsgdCompressor::WireBytes(int64_t rows, int64_t cols, double setting) const {
  return MessageBytes(rows * cols, static_cast<int>(setting), bucket_);
}

void QsgdCompressor::Encode(const float* x, int64_t numel, int bits, int64_t bucket,
                            uint64_t noise_seed, uint8_t* out, float* decoded) {
  if (bits >= 32) {
    std::memcpy(out, x, 4 * numel);
    std::memcpy(decoded, x, 4 * numel);
    return;
  }
  const int64_t buckets = (numel + bucket - 1) / bucket;
  uint8_t* packed = out + 8 * buckets;
  std::memset(packed, 0, (numel * bits + 7) / 8);
  const uint32_t max_level = (1u << bits) - 1;
  Rng rng(noise_seed);
  int64_t bit = 0;
  for (int64_t b = 0; b < buckets; ++b) {
    const int64_t begin = b * bucket, n = std::min(bucket, numel - begin);
    Range range = BucketRange(x + begin, n, bits);
    if (!(range.unit >= kTinyUnit)) range.unit = 0.0f;  // constant (or non-finite) bucket
    std::memcpy(out + 8 * b, &range.lo, 4);
    std::memcpy(out + 8 * b + 4, &range.unit, 4);
    for (int64_t i = begin; i < begin + n; ++i, bit += bits) {
      const float u = rng.Uniform();
      uint32_t q = 0;
      if (range.unit > 0.0f) {
        const float level = std::floor((x[i] - range.lo) / range.unit + u);
        q = static_cast<uint32_t>(std::clamp(level, 0.0f, static_cast<float>(max_level)));
      }
      decoded[i] = range.lo + range.unit * static_cast<float>(q);
      for (int j = 0; j < bits; ++j) {  // LSB-first bit stream
        if (q & (1u << j)) packed[(bit + j) >> 3] |= static_cast<uint8_t>(1u << ((bit + j) & 7));
      }
    }
  }
}

void QsgdCompressor::DecodeAdd(const uint8_t* in, int64_t numel, int bits, int64_t bucket,
                               float* acc) {
  if (bits >= 32) {
    for (int64_t i = 0; i < numel; ++i) {
      float v;
      std::memcpy(&v, in + 4 * i, 4);
      acc[i] += v;
    }
    return;
  }
  const int64_t buckets = (numel + bucket - 1) / bucket;
  const uint8_t* packed = in + 8 * buckets;
  int64_t bit = 0;
  for (int64_t b = 0; b < buckets; ++b) {
    Range range;
    std::memcpy(&range.lo, in + 8 * b, 4);
    std::memcpy(&range.unit, in + 8 * b + 4, 4);
    const int64_t begin = b * bucket, end = std::min(numel, begin + bucket);
    for (int64_t i = begin; i < end; ++i, bit += bits) {
      uint32_t q = 0;
      for (int j = 0; j < bits; ++j) {
        q |= static_cast<uint32_t>((packed[(bit + j) >> 3] >> ((bit + j) & 7)) & 1u) << j;
      }
      acc[i] += range.lo + range.unit * static_cast<float>(q);
    }
  }
}

double QsgdCompressor::ExpectedError(const float* x, int64_t numel, int bits, int64_t bucket) {
  if (bits >= 32) return 0.0;
  double sum = 0.0;
  for (int64_t begin = 0; begin < numel; begin += bucket) {
    const int64_t n = std::min(bucket, numel - begin);
    const Range range = BucketRange(x + begin, n, bits);
    if (!(range.unit >= kTinyUnit)) continue;
    for (int64_t i = begin; i < begin + n; ++i) {
      const double pos = (static_cast<double>(x[i]) - range.lo) / range.unit;
      const double frac = pos - std::floor(pos);  // (x - g_lo)(g_hi - x) = unit^2 f (1 - f)
      sum += static_cast<double>(range.unit) * range.unit * frac * (1.0 - frac);
    }
  }
  return std::sqrt(sum);
}

std::vector<double> QsgdCompressor::Errors(const float* a, int64_t rows, int64_t cols,
                                           const std::vector<double>& settings, int) const {
  std::vector<double> errors;
  for (double bits : settings) {
    errors.push_back(ExpectedError(a, rows * cols, static_cast<int>(bits), bucket_));
  }
  return errors;
}

absl::Status QsgdCompressor::Reduce(int64_t step, std::vector<LayerStep>& layers,
                                    Communicator& comm) {
  int64_t total = 0, max_numel = 0;
  for (const LayerStep& l : layers) {
    total += MessageBytes(l.numel(), static_cast<int>(l.setting), bucket_);
    max_numel = std::max(max_numel, l.numel());
  }
  std::vector<uint8_t> message(total);
  std::vector<float> decoded(max_numel);
  int64_t offset = 0;
  for (LayerStep& l : layers) {
    const int bits = static_cast<int>(l.setting);
    const uint64_t noise = StreamSeed(seed_ ^ kNoiseStream, static_cast<uint64_t>(step),
                                      static_cast<uint64_t>(comm.rank()), l.layer);
    Encode(l.m, l.numel(), bits, bucket_, noise, message.data() + offset, decoded.data());
    for (int64_t i = 0; i < l.numel(); ++i) l.m[i] -= decoded[i];  // residual x - decode(q)
    offset += MessageBytes(l.numel(), bits, bucket_);
  }
  std::vector<std::vector<uint8_t>> gathered;
  AllgatherOptions options;
  options.tag = "qsgd";
  absl::Status status = comm.Allgatherv(message.data(), total, &gathered, options);
  if (!status.ok()) return status;
  for (LayerStep& l : layers) std::memset(l.avg, 0, l.numel() * sizeof(float));
  for (size_t r = 0; r < gathered.size(); ++r) {
    if (static_cast<int64_t>(gathered[r].size()) != total) {
      return absl::InvalidArgumentError(absl::StrCat("qsgd: rank ", r, " sent ", gathered[r].size(),
                                                     " bytes, expected ", total));
    }
    offset = 0;
    for (LayerStep& l : layers) {
      const int bits = static_cast<int>(l.setting);
      DecodeAdd(gathered[r].data() + offset, l.numel(), bits, bucket_, l.avg);
      offset += MessageBytes(l.numel(), bits, bucket_);
    }
  }
  const float inv_world = 1.0f / static_cast<float>(comm.size());
  for (LayerStep& l : layers) {
    for (int64_t i = 0; i < l.numel(); ++i) l.avg[i] *= inv_world;
  }
  return absl::OkStatus();
}

}  // namespace syncline::comm::compress
