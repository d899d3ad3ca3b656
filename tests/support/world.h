// RunWorld: runs a function as N ranks of one in-process (comm/local) world,
// one thread per rank, and joins them all.
//
//   absl::Status s = RunWorld(3, [&](comm::Communicator& comm, int rank) {
//     ... return absl::OkStatus();
//   });
//
// Communicators are in checking mode (mismatched collectives fail with
// InvalidArgument). Return values to the main thread and assert there; do not
// use ASSERT_* inside `fn` (it returns from the lambda only).
#pragma once

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "comm/communicator.h"

namespace syncline::testing {

using RankFn = std::function<absl::Status(comm::Communicator& comm, int rank)>;

// Every rank's status, by rank.
std::vector<absl::Status> RunWorldStatuses(int n, const RankFn& fn);
// OK when every rank returned OK; else one error listing "rank r: <status>"
// for each rank that failed.
absl::Status RunWorld(int n, const RankFn& fn);

}  // namespace syncline::testing
