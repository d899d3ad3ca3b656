// Table, metrics and SVG output from hand-written run folders (no processes).
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "launch/sweep.h"
#include "launch/sweep_progress.h"
#include "launch/sweep_svg.h"
#include "tests/support/temp_dir.h"

namespace syncline::launch {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

int Count(const std::string& text, const std::string& what) {
  int n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

TEST(SweepSvgTest, NiceTicksCoverTheRangeWithRoundSteps) {
  EXPECT_EQ(NiceTicks(0, 1, 6), (std::vector<double>{0, 0.2, 0.4, 0.6000000000000001, 0.8, 1}));
  std::vector<double> t = NiceTicks(3, 97, 6);
  EXPECT_LE(t.front(), 3);
  EXPECT_GE(t.back(), 97);
  EXPECT_DOUBLE_EQ(t[1] - t[0], 20);
}

TEST(SweepSvgTest, ChartHasAxesLegendAndOneLinePerSeries) {
  LineChart chart;
  chart.title = "Loss <vs> steps";
  chart.x_label = "step (optimizer updates)";
  chart.y_label = "training loss";
  chart.series = {{"lr=0.1 & seed=1", {1, 2, 3}, {2.0, 1.0, 0.5}},
                  {"lr=0.5", {1, 2, NAN}, {2.0, 0.7, 0.1}},
                  {"failed run", {}, {}}};
  std::string svg = RenderSvg(chart);
  EXPECT_THAT(svg, HasSubstr("<svg xmlns='http://www.w3.org/2000/svg'"));
  EXPECT_THAT(svg, HasSubstr("Loss &lt;vs&gt; steps"));
  EXPECT_THAT(svg, HasSubstr("lr=0.1 &amp; seed=1"));
  EXPECT_THAT(svg, HasSubstr("step (optimizer updates)"));
  EXPECT_THAT(svg, HasSubstr("failed run (no data)"));
  EXPECT_EQ(Count(svg, "<polyline"), 2);
  EXPECT_THAT(svg, Not(HasSubstr("nan")));
  EXPECT_THAT(svg, Not(HasSubstr("inf")));
  EXPECT_THAT(svg, HasSubstr("</svg>"));
}

TEST(SweepSvgTest, EmptyChartStillRenders) {
  LineChart chart;
  chart.series = {{"a", {}, {}}};
  std::string svg = RenderSvg(chart);
  EXPECT_THAT(svg, HasSubstr("no data yet"));
  EXPECT_THAT(svg, Not(HasSubstr("nan")));
}

TEST(SweepMetricsTest, ReadsCurvesFinalAndTimeToTarget) {
  syncline::testing::TempDir dir;
  std::ofstream(dir.File("m.jsonl"))
      << R"({"kind":"train","step":1,"loss":2.0,"time_s":0.5,"bytes_sent":10})" "\n"
      << R"({"kind":"event","what":"switch"})" "\n"
      << R"({"kind":"eval","step":1,"test_accuracy":0.5,"test_loss":1.9,"time_s":0.6})" "\n"
      << R"({"kind":"train","step":2,"loss":1.5,"time_s":1.0})" "\n"
      << R"({"kind":"eval","step":2,"test_accuracy":0.8,"test_loss":1.2,"time_s":1.1})" "\n"
      << R"({"kind":"final","step":2,"test_accuracy":0.8,"test_loss":1.2,"time_s":1.2,)"
      << R"("samples_per_sec":300,"bytes_sent":4096})" "\n"
      << R"({"kind":"train","st)";  // torn last line: forgiven
  auto m = ReadRunMetrics(dir.File("m.jsonl"), 0.75);
  ASSERT_TRUE(m.ok()) << m.status();
  ASSERT_EQ(m->train_loss.size(), 2u);
  ASSERT_EQ(m->test_accuracy.size(), 2u);
  EXPECT_TRUE(m->has_final);
  EXPECT_DOUBLE_EQ(m->final_accuracy, 0.8);
  EXPECT_DOUBLE_EQ(m->last_train_loss, 1.5);
  EXPECT_DOUBLE_EQ(m->bytes_sent, 4096);
  EXPECT_DOUBLE_EQ(m->time_to_target_s, 1.1);
  EXPECT_DOUBLE_EQ(m->samples_per_sec, 300);
}

TEST(SweepMetricsTest, FederatedRoundLinesGiveAccuracyCurveAndResult) {
  syncline::testing::TempDir dir;
  std::ofstream(dir.File("m.jsonl"))
      << R"({"kind":"round","round":1,"clients_answered":2,"test_accuracy":0.4,"time_s":3})" "\n"
      << R"({"kind":"round","round":2,"clients_answered":2,"test_accuracy":0.7,"time_s":6})" "\n";
  auto m = ReadRunMetrics(dir.File("m.jsonl"), 0.6);
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_TRUE(m->has_final);
  EXPECT_EQ(m->rounds, 2);
  EXPECT_DOUBLE_EQ(m->final_accuracy, 0.7);
  EXPECT_DOUBLE_EQ(m->step, 2);
  EXPECT_DOUBLE_EQ(m->time_to_target_s, 6);
  EXPECT_TRUE(m->train_loss.empty());
}

TEST(SweepMetricsTest, BadLineInTheMiddleIsAnErrorNamingTheLine) {
  syncline::testing::TempDir dir;
  std::ofstream(dir.File("m.jsonl")) << "{\"kind\":\"train\"}\nnot json\n{\"kind\":\"train\"}\n";
  auto m = ReadRunMetrics(dir.File("m.jsonl"), 0);
  ASSERT_FALSE(m.ok());
  EXPECT_THAT(m.status().message(), HasSubstr("m.jsonl:2"));
  EXPECT_TRUE(ReadRunMetrics(dir.File("missing.jsonl"), 0).ok());
}

TEST(SweepResultsTest, SummarizeGivesSampleStd) {
  MeanStd s = Summarize({1, 2, 3, NAN});
  EXPECT_EQ(s.count, 3);
  EXPECT_DOUBLE_EQ(s.mean, 2);
  EXPECT_DOUBLE_EQ(s.std, 1);
  EXPECT_EQ(Summarize({}).count, 0);
}

// Writes a finished run folder by hand, as the launcher would.
void FakeRun(const std::string& out, const SweepRun& run, double acc, bool ok) {
  RunPaths paths = RunPaths::For(out, run.id);
  std::filesystem::create_directories(paths.dir);
  std::ofstream(paths.metrics) << R"({"kind":"train","step":1,"loss":1.0,"time_s":0.1})" "\n"
                               << R"({"kind":"eval","step":1,"test_accuracy":)" << acc
                               << R"(,"test_loss":0.9,"time_s":0.2})" "\n"
                               << (ok ? absl::StrCat(R"({"kind":"final","step":1,"test_accuracy":)", acc,
                                                     R"(,"test_loss":0.9,"time_s":0.3,"samples_per_sec":50,"bytes_sent":2048})")
                                      : std::string())
                               << "\n";
  RunRecord record;
  record.state = ok ? RunState::kSucceeded : RunState::kFailed;
  record.exit.exit_code = ok ? 0 : 3;
  record.reason = ok ? "" : "exit code 3";
  record.log_tail = ok ? "" : "boom | pipe\n";
  ASSERT_TRUE(WriteRunRecord(paths, record).ok());
}

TEST(SweepResultsTest, TableHasMeanAndStdOverSeedsAndFailures) {
  proto::SweepConfig sweep;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(R"(
      name: "grid" target_accuracy: 0.7
      axes { path: "optimizer.lr" values: "0.1" values: "0.5" label: "lr" }
      axes { path: "train.seed" values: "1" values: "2" label: "seed" })",
                                                            &sweep));
  auto plan = ExpandSweep(sweep, "");
  ASSERT_TRUE(plan.ok()) << plan.status();
  syncline::testing::TempDir dir;
  FakeRun(dir.path(), plan->runs[0], 0.70, true);
  FakeRun(dir.path(), plan->runs[1], 0.80, true);
  FakeRun(dir.path(), plan->runs[2], 0.90, true);
  FakeRun(dir.path(), plan->runs[3], 0.10, false);
  auto plots = WriteSweepResults(*plan, dir.path());
  ASSERT_TRUE(plots.ok()) << plots.status();

  auto csv = ReadFile(dir.File("results.csv"));
  ASSERT_TRUE(csv.ok());
  EXPECT_EQ(Count(*csv, "\n"), 5);
  EXPECT_THAT(*csv, HasSubstr("run,status,lr,seed,world_size,final_step,test_accuracy"));
  EXPECT_THAT(*csv, HasSubstr("optimizer.lr-0.1_train.seed-2,ok,0.1,2,1,1,0.8,0.9,1,0.3,50,2048,0.2,0,0"));
  EXPECT_THAT(*csv, HasSubstr(",failed,0.5,2,"));

  auto md = ReadFile(dir.File("results.md"));
  ASSERT_TRUE(md.ok());
  EXPECT_THAT(*md, HasSubstr("| lr | runs ok (seeds) | test accuracy (%) |"));
  EXPECT_THAT(*md, HasSubstr("| 0.1 | 2/2 | 75.00 ± 7.07 |"));
  EXPECT_THAT(*md, HasSubstr("| 0.5 | 1/2 | 90.00 |"));
  EXPECT_THAT(*md, HasSubstr("time to 70% (s)"));
  EXPECT_THAT(*md, HasSubstr("2.0 KiB"));
  EXPECT_THAT(*md, HasSubstr("## Failed runs"));
  EXPECT_THAT(*md, HasSubstr("exit code 3"));
  EXPECT_THAT(*md, HasSubstr("boom | pipe"));
  ASSERT_EQ(plots->svg.size(), 4u);
  for (const std::string& svg : plots->svg) {
    EXPECT_THAT(*md, HasSubstr(plots->png.size() == 4 ? svg.substr(0, svg.size() - 3) + "png" : svg));
    auto text = ReadFile(dir.File(svg));
    ASSERT_TRUE(text.ok()) << svg;
    EXPECT_THAT(*text, HasSubstr("lr=0.5, seed=2 [failed]"));
  }
}

TEST(SweepProgressTest, PlainLinesOffATerminalAndAnEta) {
  char* buffer = nullptr;
  size_t size = 0;
  std::FILE* out = open_memstream(&buffer, &size);
  ASSERT_NE(out, nullptr);
  {
    ProgressView view(out, /*tty=*/false, /*total=*/5, /*slots=*/2);
    EXPECT_LT(view.EtaSeconds(), 0);  // nothing finished yet: unknown
    view.Skipped("a");
    view.Started("b");
    view.Started("c");
    view.Finished("b", true, 10, "");
    view.Finished("c", false, 30, "exit code 3");
    // Two runs pending at a mean of 20 s over two slots.
    EXPECT_NEAR(view.EtaSeconds(), 20, 1e-6);
    view.Tick();  // no status line off a terminal
    view.Close();
  }
  std::fclose(out);
  std::string text(buffer, size);
  std::free(buffer);
  EXPECT_THAT(text, HasSubstr("[sweep] skip  a (finished earlier)\n"));
  EXPECT_THAT(text, HasSubstr("[sweep] ok    b (10s)\n"));
  EXPECT_THAT(text, HasSubstr("[sweep] FAIL  c (30s): exit code 3\n"));
  EXPECT_THAT(text, HasSubstr("2/5 runs ok, 1 failed, 1 skipped"));
  EXPECT_THAT(text, Not(HasSubstr("\r")));
  EXPECT_EQ(FormatDuration(3725), "1h02m");
  EXPECT_EQ(FormatDuration(185), "3m05s");
}

}  // namespace
}  // namespace syncline::launch
