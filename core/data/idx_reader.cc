#include "core/data/idx_reader.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace syncline::core {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;
constexpr uint32_t kLabelsMagic = 0x00000801;
// Sanity bound on the header's counts so a corrupt header cannot make us
// allocate gigabytes.
constexpr int64_t kMaxElements = int64_t{1} << 32;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

absl::StatusOr<GzFile> Open(const std::string& path) {
  errno = 0;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) {
    const std::string why = errno != 0 ? std::strerror(errno) : "gzopen failed";
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", why));
    return absl::PermissionDeniedError(absl::StrCat(path, ": cannot open: ", why));
  }
  gzbuffer(f, 1 << 18);
  return GzFile(f);
}

// Reads exactly n bytes; `what` names the part for the error message.
absl::Status ReadExact(gzFile f, const std::string& path, const char* what, void* out, int64_t n) {
  int64_t done = 0;
  auto* dst = static_cast<char*>(out);
  while (done < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<int64_t>(n - done, 1 << 30));
    const int got = gzread(f, dst + done, chunk);
    if (got < 0) {
      int code = 0;
      const char* msg = gzerror(f, &code);
      if (code == Z_BUF_ERROR) break;  // compressed stream ends early: truncated
      return absl::DataLossError(absl::StrCat(path, ": corrupt gzip data in ", what, ": ", msg));
    }
    if (got == 0) break;
    done += got;
  }
  if (done < n) {
    return absl::DataLossError(
        absl::StrCat(path, ": truncated: expected ", n, " bytes of ", what, ", read ", done));
  }
  return absl::OkStatus();
}

uint32_t BigEndian(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Reads and checks the magic word, then `dims` big-endian dimension words.
absl::StatusOr<std::vector<uint32_t>> ReadHeader(gzFile f, const std::string& path, uint32_t magic,
                                                 int dims, const char* kind) {
  unsigned char raw[16];
  if (absl::Status s = ReadExact(f, path, "header", raw, 4); !s.ok()) return s;
  if (BigEndian(raw) != magic) {
    return absl::DataLossError(absl::StrFormat("%s: bad magic 0x%08x (expected 0x%08x, IDX %s)", path,
                                               BigEndian(raw), magic, kind));
  }
  if (absl::Status s = ReadExact(f, path, "header dimensions", raw, 4 * dims); !s.ok()) return s;
  std::vector<uint32_t> words(1 + dims, magic);
  for (int i = 0; i < dims; ++i) words[i + 1] = BigEndian(raw + 4 * i);
  return words;
}

}  // namespace

absl::StatusOr<IdxImages> ReadIdxImages(const std::string& path) {
  absl::StatusOr<GzFile> file = Open(path);
  if (!file.ok()) return file.status();
  absl::StatusOr<std::vector<uint32_t>> header = ReadHeader(file->get(), path, kImagesMagic, 3, "images");
  if (!header.ok()) return header.status();
  IdxImages images;
  images.count = (*header)[1];
  images.rows = (*header)[2];
  images.cols = (*header)[3];
  const int64_t total = images.count * images.rows * images.cols;
  if (images.rows == 0 || images.cols == 0 || total > kMaxElements) {
    return absl::DataLossError(absl::StrCat(path, ": implausible header: ", images.count, " images of ",
                                            images.rows, "x", images.cols));
  }
  images.pixels.resize(total);
  if (absl::Status s = ReadExact(file->get(), path, "pixel data", images.pixels.data(), total); !s.ok()) {
    return s;
  }
  return images;
}

absl::StatusOr<std::vector<uint8_t>> ReadIdxLabels(const std::string& path) {
  absl::StatusOr<GzFile> file = Open(path);
  if (!file.ok()) return file.status();
  absl::StatusOr<std::vector<uint32_t>> header = ReadHeader(file->get(), path, kLabelsMagic, 1, "labels");
  if (!header.ok()) return header.status();
  const int64_t count = (*header)[1];
  if (count > kMaxElements) {
    return absl::DataLossError(absl::StrCat(path, ": implausible header: ", count, " labels"));
  }
  std::vector<uint8_t> labels(count);
  if (absl::Status s = ReadExact(file->get(), path, "label data", labels.data(), count); !s.ok()) return s;
  return labels;
}

}  // namespace syncline::core
