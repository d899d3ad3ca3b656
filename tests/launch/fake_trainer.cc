// A stand-in for `syncline train` in sweep tests: same flags, metrics lines in
// the CONTRACTS.md format, curves computed from the config so each run differs.
//   fake_trainer train --config F --metrics M
// Experiment name "fail" exits 3 after writing to stderr; FAKE_TRAINER_STEP_MS
// sleeps per step; FAKE_TRAINER_LOG, when set, gets one line per launch.
// Under mpirun only rank 0 writes metrics; "world_size" is added to the final line.
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include "google/protobuf/text_format.h"
#include "syncline/config.pb.h"

namespace {

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v ? std::atoi(v) : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  std::string config_path, metrics_path;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--config") config_path = argv[i + 1];
    if (std::string(argv[i]) == "--metrics") metrics_path = argv[i + 1];
  }
  std::ifstream in(config_path);
  std::stringstream text;
  text << in.rdbuf();
  syncline::proto::ExperimentConfig config;
  if (argc < 2 || std::string(argv[1]) != "train" || !in ||
      !google::protobuf::TextFormat::ParseFromString(text.str(), &config)) {
    std::fprintf(stderr, "fake_trainer: bad arguments or config '%s'\n", config_path.c_str());
    return 2;
  }
  const int rank = EnvInt("OMPI_COMM_WORLD_RANK", 0), size = EnvInt("OMPI_COMM_WORLD_SIZE", 1);
  if (rank == 0 && std::getenv("FAKE_TRAINER_LOG")) {
    std::ofstream(std::getenv("FAKE_TRAINER_LOG"), std::ios::app) << config_path << "\n";
  }
  std::printf("fake_trainer: rank %d of %d starting\n", rank, size);
  if (config.name() == "fail") {
    std::fprintf(stderr, "fake_trainer: step 3: loss is NaN (name=fail)\n");
    return 3;
  }
  const int steps = config.train().max_steps() > 0 ? static_cast<int>(config.train().max_steps()) : 10;
  const double lr = config.optimizer().lr(), seed = static_cast<double>(config.train().seed());
  std::ofstream metrics;
  if (rank == 0) metrics.open(metrics_path, std::ios::app);
  double loss = 0, acc = 0;
  for (int step = 1; step <= steps; ++step) {
    std::this_thread::sleep_for(std::chrono::milliseconds(EnvInt("FAKE_TRAINER_STEP_MS", 0)));
    const double t = 0.01 * step;
    loss = 2.3 * std::exp(-lr * step / 4) + 0.01 * seed;
    acc = 0.95 - 0.85 * std::exp(-lr * step / 4) - 0.002 * seed;
    metrics << "{\"kind\":\"train\",\"step\":" << step << ",\"epoch\":0,\"loss\":" << loss
            << ",\"lr\":" << lr << ",\"samples_per_sec\":1000,\"time_s\":" << t
            << ",\"bytes_sent\":" << 4096 * step * (size - 1) << "}\n";
    if (step % 5 == 0 || step == steps) {
      metrics << "{\"kind\":\"eval\",\"step\":" << step << ",\"epoch\":0,\"test_accuracy\":" << acc
              << ",\"test_loss\":" << loss * 1.1 << ",\"time_s\":" << t << "}\n";
    }
    metrics.flush();
  }
  metrics << "{\"kind\":\"final\",\"step\":" << steps << ",\"test_accuracy\":" << acc
          << ",\"test_loss\":" << loss * 1.1 << ",\"time_s\":" << 0.01 * steps
          << ",\"samples_per_sec\":1000,\"bytes_sent\":" << 4096 * steps * (size - 1)
          << ",\"world_size\":" << size << "}\n";
  return 0;
}
