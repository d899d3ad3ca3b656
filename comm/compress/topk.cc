#include "comm/compress/topk.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "absl/strings/str_cat.h"

namespace syncline::comm::compress {

int64_t TopKCount(int64_t numel, double density) {
  if (numel <= 0) return 0;
  // The small slack keeps 0.01 * 100 (= 1.0000000000000002) at 1.
  const double k = std::ceil(density * static_cast<double>(numel) - 1e-9);
  return std::clamp<int64_t>(static_cast<int64_t>(k), 1, numel);
}

int64_t TopKCompressor::WireBytes(int64_t rows, int64_t cols, double setting) const {
  return 8 * TopKCount(rows * cols, setting);
}

std::vector<int32_t> TopKCompressor::Select(const float* values, int64_t numel, int64_t k) {
  std::vector<int32_t> index(numel);
  std::iota(index.begin(), index.end(), 0);
  auto larger = [values](int32_t a, int32_t b) {
    const float fa = std::fabs(values[a]), fb = std::fabs(values[b]);
    return fa > fb || (fa == fb && a < b);
  };
  if (k < numel) {
    std::nth_element(index.begin(), index.begin() + k, index.end(), larger);
    index.resize(k);
  }
  std::sort(index.begin(), index.end());
  return index;
}

std::vector<double> TopKCompressor::Errors(const float* a, int64_t rows, int64_t cols,
                                           const std::vector<double>& settings, int) const {
  // Squares sorted descending; e(k) = sqrt(sum of squares beyond the first k).
  const int64_t numel = rows * cols;
  std::vector<double> squares(numel);
  for (int64_t i = 0; i < numel; ++i) squares[i] = static_cast<double>(a[i]) * a[i];
  std::sort(squares.begin(), squares.end(), std::greater<double>());
  std::vector<double> tail(numel + 1, 0.0);
  for (int64_t i = numel; i-- > 0;) tail[i] = tail[i + 1] + squares[i];
  std::vector<double> errors;
  for (double d : settings) errors.push_back(std::sqrt(tail[TopKCount(numel, d)]));
  return errors;
}

absl::Status TopKCompressor::Reduce(int64_t /*step*/, std::vector<LayerStep>& layers,
                                    Communicator& comm) {
  int64_t total_k = 0;
  std::vector<int64_t> ks(layers.size());
  for (size_t i = 0; i < layers.size(); ++i) {
    ks[i] = TopKCount(layers[i].numel(), layers[i].setting);
    total_k += ks[i];
  }
  // Per layer: k int32 indices, then k fp32 values.
  std::vector<uint8_t> message(8 * total_k);
  int64_t offset = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    LayerStep& l = layers[i];
    const std::vector<int32_t> kept = Select(l.m, l.numel(), ks[i]);
    std::memcpy(message.data() + offset, kept.data(), 4 * ks[i]);
    uint8_t* values = message.data() + offset + 4 * ks[i];
    for (int64_t j = 0; j < ks[i]; ++j) {
      std::memcpy(values + 4 * j, &l.m[kept[j]], 4);
      l.m[kept[j]] = 0.0f;  // residual: exactly the dropped entries
    }
    offset += 8 * ks[i];
  }
  std::vector<std::vector<uint8_t>> gathered;
  AllgatherOptions options;
  options.tag = "topk";
  absl::Status status = comm.Allgatherv(message.data(), message.size(), &gathered, options);
  if (!status.ok()) return status;
  for (LayerStep& l : layers) std::memset(l.avg, 0, l.numel() * sizeof(float));
  for (size_t r = 0; r < gathered.size(); ++r) {
    if (gathered[r].size() != message.size()) {
      return absl::InvalidArgumentError(absl::StrCat("topk: rank ", r, " sent ", gathered[r].size(),
                                                     " bytes, expected ", message.size()));
    }
    offset = 0;
    for (size_t i = 0; i < layers.size(); ++i) {
      int32_t idx;
      float val;
      for (int64_t j = 0; j < ks[i]; ++j) {
        std::memcpy(&idx, gathered[r].data() + offset + 4 * j, 4);
        std::memcpy(&val, gathered[r].data() + offset + 4 * (ks[i] + j), 4);
        if (idx < 0 || idx >= layers[i].numel()) {
          return absl::InvalidArgumentError(
              absl::StrCat("topk: rank ", r, " sent index ", idx, " out of range"));
        }
        layers[i].avg[idx] += val;
      }
      offset += 8 * ks[i];
    }
  }
  const float inv_world = 1.0f / static_cast<float>(comm.size());
  for (LayerStep& l : layers) {
    for (int64_t j = 0; j < l.numel(); ++j) l.avg[j] *= inv_world;
  }
  return absl::OkStatus();
}

}  // namespace syncline::comm::compress
