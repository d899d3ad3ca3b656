// The local backend and Communicator fail fast and clearly instead of hanging.
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/world.h"

namespace syncline::comm {
namespace {

using ::testing::HasSubstr;
using testing::RunWorldStatuses;

TEST(LocalFailure, MismatchedCountIsInvalidArgumentNamingBothRanks) {
  auto statuses = RunWorldStatuses(3, [](Communicator& comm, int rank) {
    std::vector<float> data(rank == 2 ? 12 : 10, 1.0f);
    AllreduceOptions o;
    o.timeout = absl::Seconds(5);
    o.tag = "fc1.weight";
    return comm.Allreduce(data.data(), static_cast<int64_t>(data.size()), o);
  });
  for (int r = 0; r < 3; ++r) {
    EXPECT_EQ(statuses[r].code(), absl::StatusCode::kInvalidArgument) << statuses[r];
    EXPECT_THAT(std::string(statuses[r].message()), HasSubstr("rank 2 issued"));
    EXPECT_THAT(std::string(statuses[r].message()), HasSubstr("of 12 floats"));
    EXPECT_THAT(std::string(statuses[r].message()), HasSubstr("\"fc1.weight\""));
  }
}

TEST(LocalFailure, MismatchedKindIsInvalidArgument) {
  auto statuses = RunWorldStatuses(2, [](Communicator& comm, int rank) {
    std::vector<float> data(4, 1.0f);
    if (rank == 0) return comm.Allreduce(data.data(), 4);
    BroadcastOptions o;
    return comm.Broadcast(data.data(), 16, o);
  });
  for (const auto& s : statuses) {
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
    EXPECT_THAT(std::string(s.message()), HasSubstr("rank 0 issued #1 allreduce"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("rank 1 issued #1 broadcast"));
  }
}

TEST(LocalFailure, MissingRankTimesOutNamingIt) {
  const absl::Time start = absl::Now();
  auto statuses = RunWorldStatuses(3, [](Communicator& comm, int rank) {
    if (rank == 1) return absl::OkStatus();  // never joins
    std::vector<float> data(4, 1.0f);
    AllreduceOptions o;
    o.timeout = absl::Milliseconds(300);
    return comm.Allreduce(data.data(), 4, o);
  });
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  for (int r : {0, 2}) {
    EXPECT_EQ(statuses[r].code(), absl::StatusCode::kDeadlineExceeded) << statuses[r];
    EXPECT_THAT(std::string(statuses[r].message()), HasSubstr("rank(s) 1"));
  }
}

TEST(LocalFailure, BadBroadcastRootIsRejected) {
  auto statuses = RunWorldStatuses(1, [](Communicator& comm, int) {
    float x = 0;
    BroadcastOptions o;
    o.root = 3;
    return comm.Broadcast(&x, 4, o);
  });
  EXPECT_EQ(statuses[0].code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace syncline::comm
