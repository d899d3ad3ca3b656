// Hostile and many clients against a real server process: in-process gRPC
// stubs speak the protocol directly (issue 6 items 5-6).
#include <grpcpp/create_channel.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <thread>

#include "federated/chunk.h"
#include "harness.h"
#include "syncline/federated.grpc.pb.h"

namespace syncline::federated::testing {
namespace {

class RawClient {
 public:
  RawClient(const std::string& address, int id, std::string token = "t0k3n")
      : id_(id), token_(std::move(token)) {
    grpc::ChannelArguments args;
    args.SetMaxReceiveMessageSize(4 << 20);
    stub_ = proto::Federation::NewStub(
        grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), args));
  }
  grpc::Status Join() {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    ctx.set_wait_for_ready(true);
    proto::JoinRequest req;
    req.set_client_id(id_);
    req.set_token(token_);
    proto::JoinReply reply;
    return stub_->Join(&ctx, req, &reply);
  }
  // Polls until a TRAIN or DONE task arrives.
  proto::Task Fetch() {
    while (true) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
      proto::TaskRequest req;
      req.set_client_id(id_);
      req.set_token(token_);
      auto reader = stub_->FetchTask(&ctx, req);
      proto::Task task;
      absl::Status s = ReadChunks(reader.get(), int64_t{1} << 30, &task);
      grpc::Status st = reader->Finish();
      if (st.ok() && s.ok() && task.kind() != proto::Task::WAIT) return task;
      if (!st.ok()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  // Streams raw bytes as one update.
  grpc::Status PushBytes(const std::string& bytes, int64_t declared_total = -1) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    proto::PushReply reply;
    auto writer = stub_->PushUpdate(&ctx, &reply);
    proto::Chunk c;
    c.set_data(bytes);
    c.set_total_bytes(declared_total >= 0 ? declared_total : bytes.size());
    c.set_last(true);
    writer->Write(c);
    writer->WritesDone();
    return writer->Finish();
  }
  // A zero update with the task's layout, optionally poisoned.
  proto::Update ZeroUpdate(const proto::Task& task) {
    proto::Update u;
    u.set_client_id(id_);
    u.set_token(token_);
    u.set_round(task.round());
    u.set_num_examples(1);
    for (const auto& t : task.model()) {
      auto* d = u.add_delta();
      *d = t;
      d->set_data(std::string(t.data().size(), '\0'));
    }
    return u;
  }
  void Leave() {
    grpc::ClientContext ctx;
    proto::LeaveRequest req;
    req.set_client_id(id_);
    req.set_token(token_);
    proto::LeaveReply reply;
    (void)stub_->Leave(&ctx, req, &reply);
  }

 private:
  int id_;
  std::string token_;
  std::unique_ptr<proto::Federation::Stub> stub_;
};

TEST_F(FedBench, MalformedOversizedAndNaNUpdatesAreRefused) {
  const std::vector<std::string> sets = {"federated.rounds=2"};
  auto server = StartServer(sets);
  auto c0 = StartClient(0, sets);
  auto c1 = StartClient(1, sets);
  RawClient bad(address_, 2);
  ASSERT_TRUE(bad.Join().ok());
  proto::Task task = bad.Fetch();
  ASSERT_EQ(task.kind(), proto::Task::TRAIN);

  EXPECT_FALSE(bad.PushBytes("\xff\xff\xff garbage").ok());
  EXPECT_EQ(bad.PushBytes("x", int64_t{1} << 40).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  proto::Update nan = bad.ZeroUpdate(task);
  const float q = std::numeric_limits<float>::quiet_NaN();
  nan.mutable_delta(0)->mutable_data()->replace(0, 4, reinterpret_cast<const char*>(&q), 4);
  EXPECT_FALSE(bad.PushBytes(nan.SerializeAsString()).ok());
  proto::Update shape = bad.ZeroUpdate(task);
  shape.mutable_delta(0)->set_shape(0, 3);
  EXPECT_FALSE(bad.PushBytes(shape.SerializeAsString()).ok());
  proto::Update stolen = bad.ZeroUpdate(task);
  stolen.set_token("nope");
  EXPECT_EQ(bad.PushBytes(stolen.SerializeAsString()).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  bad.Leave();

  ASSERT_EQ(server->Wait(60), 0) << ReadFile(server_log());
  EXPECT_EQ(c0->Wait(15), 0);
  EXPECT_EQ(c1->Wait(15), 0);
  const std::string log = ReadFile(server_log());
  EXPECT_NE(log.find("malformed message"), std::string::npos) << log;
  EXPECT_NE(log.find("exceeds the limit"), std::string::npos) << log;
  EXPECT_NE(log.find("non-finite value"), std::string::npos) << log;
  EXPECT_NE(log.find("has shape [3, 784]"), std::string::npos) << log;
  EXPECT_NE(log.find("refused update from client 2"), std::string::npos) << log;
  auto rounds = MetricLines(metrics_path(), "round");
  ASSERT_EQ(rounds.size(), 2u);
  EXPECT_EQ(JsonField(rounds[0], "clients_answered"), "2");
}

// 100 protocol clients (threads) in one round against the real server.
TEST_F(FedBench, HundredClientsInOneRound) {
  auto server = StartServer({"federated.rounds=1", "federated.num_clients=100",
                             "federated.min_clients=100", "federated.partition=iid",
                             "federated.client_timeout_s=10"});
  std::atomic<int> pushed{0}, done{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 100; ++i) {
    threads.emplace_back([&, i] {
      RawClient c(address_, i);
      if (!c.Join().ok()) return;
      proto::Task task = c.Fetch();
      if (task.kind() == proto::Task::TRAIN &&
          c.PushBytes(c.ZeroUpdate(task).SerializeAsString()).ok()) {
        ++pushed;
      }
      if (c.Fetch().kind() == proto::Task::DONE) ++done;
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(server->Wait(60), 0) << ReadFile(server_log());
  EXPECT_EQ(pushed.load(), 100);
  EXPECT_EQ(done.load(), 100);
  auto rounds = MetricLines(metrics_path(), "round");
  ASSERT_EQ(rounds.size(), 1u);
  EXPECT_EQ(JsonField(rounds[0], "clients_answered"), "100");
}

}  // namespace
}  // namespace syncline::federated::testing
