// Whole protobuf messages sent as a stream of Chunk pieces, so that tasks and
// updates larger than the gRPC message limit fit (federated.proto).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "syncline/federated.pb.h"

namespace syncline::federated {

// Writes `bytes` (a serialized message) as chunks of at most chunk_bytes.
// Writer: anything with bool Write(const proto::Chunk&). False = stream broken.
template <typename Writer>
bool WriteChunks(const std::string& bytes, int64_t chunk_bytes, Writer* writer) {
  const int64_t total = static_cast<int64_t>(bytes.size());
  int64_t pos = 0;
  do {
    proto::Chunk c;
    const int64_t len = std::min<int64_t>(chunk_bytes, total - pos);
    c.set_data(bytes.data() + pos, len);
    if (pos == 0) c.set_total_bytes(total);
    pos += len;
    c.set_last(pos >= total);
    if (!writer->Write(c)) return false;
  } while (pos < total);
  return true;
}

// Reads chunks until the one marked last and parses them into *msg. A stream
// that declares or delivers more than max_bytes is refused (ResourceExhausted)
// before the bytes are kept; one that ends early or does not parse is
// InvalidArgument. Reader: anything with bool Read(proto::Chunk*).
template <typename Reader>
absl::Status ReadChunks(Reader* reader, int64_t max_bytes, google::protobuf::Message* msg) {
  std::string bytes;
  proto::Chunk c;
  bool first = true, last = false;
  while (!last && reader->Read(&c)) {
    if (first && c.has_total_bytes()) {
      if (c.total_bytes() > max_bytes) {
        return absl::ResourceExhaustedError(absl::StrCat(
            "message of ", c.total_bytes(), " bytes exceeds the limit of ", max_bytes));
      }
      bytes.reserve(c.total_bytes());
    }
    first = false;
    if (static_cast<int64_t>(bytes.size() + c.data().size()) > max_bytes) {
      return absl::ResourceExhaustedError(
          absl::StrCat("message exceeds the limit of ", max_bytes, " bytes"));
    }
    bytes += c.data();
    last = c.last();
  }
  if (!last) return absl::InvalidArgumentError("stream ended before the last chunk");
  if (!msg->ParseFromString(bytes)) {
    return absl::InvalidArgumentError(absl::StrCat("malformed message (", bytes.size(), " bytes)"));
  }
  return absl::OkStatus();
}

}  // namespace syncline::federated
