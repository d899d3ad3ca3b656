#include "comm/compress/rank_state.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace syncline::comm::compress {

absl::Status GatherRankStates(const GradientCompressor& compressor, Communicator& comm,
                              proto::StateProto* combined) {
  proto::StateProto mine;
  compressor.SaveState(&mine);
  std::string bytes;
  if (!mine.SerializeToString(&bytes)) {
    return absl::InternalError("compressor state: cannot serialise");
  }
  std::vector<std::vector<uint8_t>> all;
  if (comm.size() == 1) {
    all.emplace_back(bytes.begin(), bytes.end());
  } else {
    AllgatherOptions options;
    options.tag = "compressor state";
    absl::Status status = comm.Allgatherv(bytes.data(), static_cast<int64_t>(bytes.size()), &all, options);
    if (!status.ok()) return status;
  }
  combined->Clear();
  (*combined->mutable_scalars())["world_size"] = comm.size();
  for (size_t r = 0; r < all.size(); ++r) {
    proto::StateProto part;
    if (!part.ParseFromArray(all[r].data(), static_cast<int>(all[r].size()))) {
      return absl::InvalidArgumentError(absl::StrCat("compressor state of rank ", r, " is corrupt"));
    }
    const std::string prefix = absl::StrCat("rank", r, "/");
    for (proto::TensorProto& t : *part.mutable_tensors()) {
      t.set_name(prefix + t.name());
      *combined->add_tensors() = std::move(t);
    }
    for (const auto& [k, v] : part.scalars()) (*combined->mutable_scalars())[prefix + k] = v;
    for (const auto& [k, v] : part.strings()) (*combined->mutable_strings())[prefix + k] = v;
  }
  return absl::OkStatus();
}

absl::Status LoadRankState(const proto::StateProto& combined, int rank, int world_size,
                           GradientCompressor* compressor) {
  auto world = combined.scalars().find("world_size");
  if (world == combined.scalars().end() || static_cast<int>(world->second) != world_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "compressor state: saved at world size ",
        world == combined.scalars().end() ? 0 : static_cast<int>(world->second), ", resuming at ",
        world_size, " (error-feedback residuals are per rank)"));
  }
  const std::string prefix = absl::StrCat("rank", rank, "/");
  proto::StateProto mine;
  for (const proto::TensorProto& t : combined.tensors()) {
    if (t.name().rfind(prefix, 0) != 0) continue;
    proto::TensorProto* out = mine.add_tensors();
    *out = t;
    out->set_name(t.name().substr(prefix.size()));
  }
  for (const auto& [k, v] : combined.scalars()) {
    if (k.rfind(prefix, 0) == 0) (*mine.mutable_scalars())[k.substr(prefix.size())] = v;
  }
  for (const auto& [k, v] : combined.strings()) {
    if (k.rfind(prefix, 0) == 0) (*mine.mutable_strings())[k.substr(prefix.size())] = v;
  }
  return compressor->LoadState(mine);
}

}  // namespace syncline::comm::compress
