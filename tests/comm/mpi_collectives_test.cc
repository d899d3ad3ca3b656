// Collectives of the MPI backend, run by CTest under mpirun (label mpi) at
// several world sizes. Every rank runs every test; expected values are
// closed-form (rank r contributes r + 1).
#include <csignal>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "comm/communicator.h"
#include "comm/mpi/mpi_backend.h"
#include "gtest/gtest.h"

namespace syncline::comm {
namespace {

Communicator* g_comm = nullptr;

class MpiCollectives : public ::testing::TestWithParam<int64_t> {};

TEST_P(MpiCollectives, AllreduceAllOps) {
  Communicator& comm = *g_comm;
  const int n = comm.size(), rank = comm.rank();
  const int64_t count = GetParam();
  const float tri = n * (n + 1) / 2.0f;
  for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kAvg, ReduceOp::kMax, ReduceOp::kMin}) {
    std::vector<float> data(count, static_cast<float>(rank + 1));
    AllreduceOptions o;
    o.op = op;
    o.max_chunk_bytes = count > 100 ? 40000 : 0;
    ASSERT_TRUE(comm.Allreduce(data.data(), count, o).ok());
    const float want = op == ReduceOp::kSum   ? tri
                       : op == ReduceOp::kAvg ? tri / n
                       : op == ReduceOp::kMax ? static_cast<float>(n)
                                              : 1.0f;
    for (int64_t i = 0; i < count; ++i) ASSERT_EQ(data[i], want) << ReduceOpName(op) << " " << i;
  }
}

TEST_P(MpiCollectives, AsyncBroadcastAllgatherReduceScatter) {
  Communicator& comm = *g_comm;
  const int n = comm.size(), rank = comm.rank();
  const int64_t count = GetParam();
  std::vector<std::vector<float>> bufs(3, std::vector<float>(count, rank + 1.0f));
  std::vector<std::unique_ptr<Work>> works;
  for (auto& b : bufs) works.push_back(comm.AllreduceAsync(b.data(), count));
  for (auto& w : works) ASSERT_TRUE(w->Wait().ok());
  for (auto& b : bufs) {
    for (float v : b) ASSERT_EQ(v, n * (n + 1) / 2.0f);
  }
  std::vector<float> bc(count, static_cast<float>(rank + 1));
  BroadcastOptions bo;
  bo.root = n - 1;
  ASSERT_TRUE(comm.Broadcast(bc.data(), count * 4, bo).ok());
  for (float v : bc) ASSERT_EQ(v, static_cast<float>(n));
  std::vector<float> in(count, rank + 1.0f), out(count * n);
  ASSERT_TRUE(comm.Allgather(in.data(), count, out.data()).ok());
  for (int64_t j = 0; j < count * n; ++j) ASSERT_EQ(out[j], static_cast<float>(j / count + 1));
  std::vector<uint8_t> bytes(rank + count, static_cast<uint8_t>(rank + 1));
  std::vector<std::vector<uint8_t>> got;
  ASSERT_TRUE(comm.Allgatherv(bytes.data(), static_cast<int64_t>(bytes.size()), &got).ok());
  for (int r = 0; r < n; ++r) {
    ASSERT_EQ(got[r], std::vector<uint8_t>(r + count, static_cast<uint8_t>(r + 1)));
  }
  std::vector<float> rs_in(count * n), rs_out(count);
  for (int64_t j = 0; j < count * n; ++j) rs_in[j] = static_cast<float>((rank + 1) * (j / count + 1));
  ASSERT_TRUE(comm.ReduceScatter(rs_in.data(), rs_out.data(), count).ok());
  for (float v : rs_out) ASSERT_EQ(v, n * (n + 1) / 2.0f * (rank + 1));
  ASSERT_TRUE(comm.Barrier().ok());
}

INSTANTIATE_TEST_SUITE_P(Counts, MpiCollectives, ::testing::Values<int64_t>(0, 1, 7, 1027, 100003));

// Checking mode turns a size mismatch into InvalidArgument naming both ranks.
TEST(MpiChecking, MismatchedCountNamesBothRanks) {
  Communicator& comm = *g_comm;
  if (comm.size() < 2) GTEST_SKIP() << "needs 2 ranks";
  std::vector<float> data(comm.rank() == 1 ? 12 : 10, 1.0f);
  AllreduceOptions o;
  o.timeout = absl::Seconds(10);
  absl::Status s = comm.Allreduce(data.data(), static_cast<int64_t>(data.size()), o);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << s;
  EXPECT_NE(s.message().find("rank 1 issued"), std::string::npos) << s;
  EXPECT_NE(s.message().find("of 12 floats"), std::string::npos) << s;
}

}  // namespace
}  // namespace syncline::comm

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  auto backend = syncline::comm::CreateMpiBackend();
  if (!backend.ok()) {
    fprintf(stderr, "%s\n", backend.status().ToString().c_str());
    return 1;
  }
  syncline::comm::CommunicatorOptions options;
  options.check_collectives = true;
  auto comm = std::make_unique<syncline::comm::Communicator>(std::move(*backend), options);
  syncline::comm::g_comm = comm.get();
  if (comm->rank() != 0) GTEST_FLAG_SET(brief, true);  // other ranks print failures only
  const int rc = RUN_ALL_TESTS();
  return rc;
}
