#include "federated/group.h"

#include <cstring>
#include <vector>

#include "absl/strings/str_cat.h"

namespace syncline::federated {

ClientGroup::ClientGroup(comm::Communicator* comm, GroupOptions options)
    : comm_(comm), options_(options) {}

absl::Status ClientGroup::Start(core::Model* model) {
  comm::DataParallelOptions o;
  o.bucket_mb = options_.bucket_mb;
  o.timeout = options_.collective_timeout;
  dp_ = std::make_unique<comm::DataParallel>(model, comm_, o);
  return dp_->Start();
}

absl::Status ClientGroup::Send(GroupCommand kind, const std::string& payload) {
  int64_t header[2] = {static_cast<int64_t>(kind), static_cast<int64_t>(payload.size())};
  comm::BroadcastOptions o;
  o.timeout = options_.collective_timeout;
  o.tag = "group command";
  if (absl::Status s = comm_->Broadcast(header, sizeof(header), o); !s.ok()) return s;
  if (payload.empty()) return absl::OkStatus();
  std::string copy = payload;  // Broadcast writes into its buffer on every rank
  o.tag = "group command payload";
  return comm_->Broadcast(copy.data(), static_cast<int64_t>(copy.size()), o);
}

absl::Status ClientGroup::Receive(GroupCommand* kind, std::string* payload) {
  int64_t header[2] = {0, 0};
  comm::BroadcastOptions o;
  o.timeout = options_.idle_timeout;
  o.tag = "group command from rank 0";
  if (absl::Status s = comm_->Broadcast(header, sizeof(header), o); !s.ok()) return s;
  if (header[0] < 0 || header[0] > static_cast<int64_t>(GroupCommand::kAbort) || header[1] < 0) {
    return absl::InternalError(absl::StrCat("rank ", rank(), ": garbled group command {", header[0],
                                            ", ", header[1], "} from rank 0"));
  }
  *kind = static_cast<GroupCommand>(header[0]);
  payload->assign(static_cast<size_t>(header[1]), '\0');
  if (header[1] == 0) return absl::OkStatus();
  o.timeout = options_.collective_timeout;
  o.tag = "group command payload";
  return comm_->Broadcast(payload->data(), header[1], o);
}

absl::Status ClientGroup::SumDoubles(double* values, int count) {
  std::vector<std::vector<uint8_t>> all;
  comm::AllgatherOptions o;
  o.timeout = options_.collective_timeout;
  o.tag = "client metric sums";
  const int64_t bytes = static_cast<int64_t>(count) * static_cast<int64_t>(sizeof(double));
  if (absl::Status s = comm_->Allgatherv(values, bytes, &all, o); !s.ok()) return s;
  std::vector<double> sum(count, 0.0), part(count);
  for (const auto& r : all) {
    if (static_cast<int64_t>(r.size()) != bytes) {
      return absl::InternalError("client metric sums: ranks sent different sizes");
    }
    std::memcpy(part.data(), r.data(), bytes);
    for (int i = 0; i < count; ++i) sum[i] += part[i];
  }
  std::memcpy(values, sum.data(), bytes);
  return absl::OkStatus();
}

}  // namespace syncline::federated
