#include "comm/fake/fake_backend.h"

#include <memory>
#include <vector>

#include "comm/communicator.h"
#include "gtest/gtest.h"

namespace syncline::comm {
namespace {

TEST(FakeBackend, DocumentedStandIns) {
  Communicator comm(std::make_unique<FakeBackend>(1, 4));
  std::vector<float> x = {1, 2, 3};
  ASSERT_TRUE(comm.Allreduce(x.data(), 3).ok());
  EXPECT_EQ(x, (std::vector<float>{4, 8, 12}));
  AllreduceOptions avg;
  avg.op = ReduceOp::kAvg;
  ASSERT_TRUE(comm.Allreduce(x.data(), 3, avg).ok());
  EXPECT_EQ(x, (std::vector<float>{4, 8, 12}));
  std::vector<float> out(12);
  ASSERT_TRUE(comm.Allgather(x.data(), 3, out.data()).ok());
  EXPECT_EQ(out[9], 4);
  std::vector<float> in(8), rs(2);
  for (int i = 0; i < 8; ++i) in[i] = static_cast<float>(i);
  ASSERT_TRUE(comm.ReduceScatter(in.data(), rs.data(), 2).ok());
  EXPECT_EQ(rs, (std::vector<float>{8, 12}));  // block 1 = {2, 3}, times 4
  EXPECT_EQ(comm.bytes_sent(), 12 + 12 + 12 + 32);
}

TEST(FakeBackend, FailNthCall) {
  auto backend = std::make_unique<FakeBackend>(0, 2);
  FakeBackend* fake = backend.get();
  Communicator comm(std::move(backend));
  fake->FailNthCall(2, absl::UnavailableError("peer gone"));
  EXPECT_TRUE(comm.Barrier().ok());
  absl::Status s = comm.Barrier();
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.message().find("rank 0: barrier #2"), absl::string_view::npos) << s;
  EXPECT_TRUE(comm.Barrier().ok());
}

}  // namespace
}  // namespace syncline::comm
