// NCCL backend on one GPU (world size 1, local bootstrap); skipped without a
// visible device (label gpu).
#include "comm/nccl/nccl_backend.h"

#include <memory>
#include <vector>

#include "comm/communicator.h"
#include "comm/local/local_backend.h"
#include "gtest/gtest.h"

namespace syncline::comm {
namespace {

class NcclTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (NcclDeviceCount() == 0) GTEST_SKIP() << "no CUDA device visible";
    auto backend = CreateNcclBackend(std::move(LocalBackend::CreateWorld(1).front()), 0);
    ASSERT_TRUE(backend.ok()) << backend.status();
    comm_ = std::make_unique<Communicator>(std::move(*backend));
  }
  std::unique_ptr<Communicator> comm_;
};

TEST_F(NcclTest, CollectivesOnOneRank) {
  for (int64_t count : {0, 1, 7, 1027, 1 << 20}) {
    std::vector<float> x(count);
    for (int64_t i = 0; i < count; ++i) x[i] = static_cast<float>(i % 97);
    std::vector<float> want = x;
    AllreduceOptions avg;
    avg.op = ReduceOp::kAvg;
    ASSERT_TRUE(comm_->Allreduce(x.data(), count).ok());
    ASSERT_TRUE(comm_->Allreduce(x.data(), count, avg).ok());
    ASSERT_EQ(x, want);
    std::vector<float> out(count);
    ASSERT_TRUE(comm_->Allgather(x.data(), count, out.data()).ok());
    ASSERT_EQ(out, want);
    ASSERT_TRUE(comm_->ReduceScatter(x.data(), out.data(), count).ok());
    ASSERT_EQ(out, want);
    ASSERT_TRUE(comm_->Broadcast(x.data(), count * 4).ok());
    ASSERT_EQ(x, want);
  }
  std::vector<std::vector<uint8_t>> got;
  const char msg[] = "hello";
  ASSERT_TRUE(comm_->Allgatherv(msg, 5, &got).ok());
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(std::string(got[0].begin(), got[0].end()), "hello");
  EXPECT_TRUE(comm_->Barrier().ok());
}

}  // namespace
}  // namespace syncline::comm
