// Readers for gzip-compressed IDX files (the MNIST / Fashion-MNIST format):
// a big-endian header (magic 0x00000803 + count, rows, cols for images;
// 0x00000801 + count for labels) followed by unsigned bytes.
// Errors are one line naming the file and what was wrong:
//   NotFound  "<path>: cannot open: No such file or directory"
//   DataLoss  "<path>: truncated: expected 47040000 bytes of pixel data, read 1000"
//   DataLoss  "<path>: bad magic 0x00000801 (expected 0x00000803, IDX images)"
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace syncline::core {

struct IdxImages {
  int64_t count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols, row-major
};

absl::StatusOr<IdxImages> ReadIdxImages(const std::string& path);
absl::StatusOr<std::vector<uint8_t>> ReadIdxLabels(const std::string& path);

}  // namespace syncline::core
