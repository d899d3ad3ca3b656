#include "core/metrics.h"

#include <cstdlib>

#include <fstream>
#include <sstream>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace syncline::core {
namespace {

using ::testing::HasSubstr;

TEST(JsonLineTest, FormatsKindsNumbersAndStrings) {
  JsonLine line("train");
  line.Add("step", 7).Add("loss", 0.1f).Add("rate", 2.5).Add("name", "a\"b\n").Add("ok", true);
  line.Add("bad", std::numeric_limits<double>::quiet_NaN());
  EXPECT_EQ(line.str(),
            R"({"kind":"train","step":7,"loss":0.1,"rate":2.5,"name":"a\"b\n","ok":true,"bad":null})");
}

TEST(JsonLineTest, FloatsRoundTripExactly) {
  const float x = 0.123456789f;
  JsonLine line("t");
  line.Add("x", x);
  std::string s = line.str();
  std::string number = s.substr(s.find("\"x\":") + 4);
  number.pop_back();
  EXPECT_EQ(std::stof(number), x);
}

TEST(MetricsWriterTest, WritesOneLinePerRecordAndAppends) {
  testing::TempDir dir;
  std::string path = dir.File("m.jsonl");
  {
    auto w = MetricsWriter::Open(path, false);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(JsonLine("train").Add("step", 1)).ok());
  }
  {
    auto w = MetricsWriter::Open(path, true);
    ASSERT_TRUE(w.ok());
    ASSERT_TRUE((*w)->Write(JsonLine("final").Add("step", 2)).ok());
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), "{\"kind\":\"train\",\"step\":1}\n{\"kind\":\"final\",\"step\":2}\n");
}

TEST(MetricsWriterTest, UnwritablePathIsNamed) {
  auto w = MetricsWriter::Open("/nonexistent-dir/m.jsonl", false);
  EXPECT_FALSE(w.ok());
  EXPECT_THAT(w.status().message(), HasSubstr("/nonexistent-dir/m.jsonl"));
}

TEST(FormatDurationTest, Units) {
  EXPECT_EQ(FormatDuration(42), "42s");
  EXPECT_EQ(FormatDuration(185), "3m05s");
  EXPECT_EQ(FormatDuration(3720), "1h02m");
}

TEST(ProgressLineTest, ModeSwitches) {
  EXPECT_TRUE(ProgressLine::Enabled("on"));
  EXPECT_FALSE(ProgressLine::Enabled("off"));
}

TEST(ProgressLineTest, AutoIsOffUnderMpirunEvenOnATerminal) {
  ::setenv("OMPI_COMM_WORLD_SIZE", "2", 1);
  EXPECT_FALSE(ProgressLine::Enabled("auto"));
  EXPECT_TRUE(ProgressLine::Enabled("on"));
  ::unsetenv("OMPI_COMM_WORLD_SIZE");
}

}  // namespace
}  // namespace syncline::core
