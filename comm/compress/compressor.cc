#include "comm/compress/compressor.h"

#include "absl/strings/str_cat.h"
#include "comm/compress/fp16.h"
#include "comm/compress/powersgd.h"
#include "comm/compress/qsgd.h"
#include "comm/compress/topk.h"

namespace syncline::comm::compress {

absl::StatusOr<std::unique_ptr<Compressor>> CreateCompressor(
    const proto::CompressionConfig& config) {
  const std::string& m = config.method();
  if (m == "fp16") return std::unique_ptr<Compressor>(new Fp16Compressor());
  if (m == "powersgd") return std::unique_ptr<Compressor>(new PowerSgdCompressor(config));
  if (m == "topk") return std::unique_ptr<Compressor>(new TopKCompressor());
  if (m == "qsgd") return std::unique_ptr<Compressor>(new QsgdCompressor(config));
  return absl::InvalidArgumentError(
      absl::StrCat("compression.method: no compressor named \"", m, "\""));
}

}  // namespace syncline::comm::compress
