// IDX .gz reading: good files, and each kind of bad file gives a one-line
// error naming the file and the problem.
#include "core/data/idx_reader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "core/data/dataset.h"
#include "tests/support/temp_dir.h"

namespace syncline::core {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> Header(uint32_t magic, std::vector<uint32_t> dims) {
  std::vector<uint8_t> out;
  dims.insert(dims.begin(), magic);
  for (uint32_t v : dims) {
    for (int s = 24; s >= 0; s -= 8) out.push_back(static_cast<uint8_t>(v >> s));
  }
  return out;
}

void WriteGz(const std::string& path, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())), static_cast<int>(bytes.size()));
  gzclose(f);
}

std::vector<uint8_t> Images(uint32_t count, uint32_t side, size_t pixels_written) {
  std::vector<uint8_t> out = Header(0x803, {count, side, side});
  for (size_t i = 0; i < pixels_written; ++i) out.push_back(static_cast<uint8_t>(i * 7));
  return out;
}

std::vector<uint8_t> Labels(uint32_t count, size_t written, uint8_t value = 3) {
  std::vector<uint8_t> out = Header(0x801, {count});
  out.insert(out.end(), written, value);
  return out;
}

// Writes a Fashion-MNIST-shaped directory with n train and n test examples.
void WriteDataset(const testing::TempDir& dir, uint32_t n) {
  for (const char* split : {"train", "t10k"}) {
    WriteGz(dir.File(std::string(split) + "-images-idx3-ubyte.gz"), Images(n, 4, n * 16));
    WriteGz(dir.File(std::string(split) + "-labels-idx1-ubyte.gz"), Labels(n, n));
  }
}

TEST(IdxReaderTest, ReadsGoodFiles) {
  testing::TempDir dir;
  WriteGz(dir.File("img.gz"), Images(3, 4, 48));
  WriteGz(dir.File("lab.gz"), Labels(3, 3));
  auto images = ReadIdxImages(dir.File("img.gz"));
  ASSERT_TRUE(images.ok()) << images.status();
  EXPECT_EQ(images->count, 3);
  EXPECT_EQ(images->rows, 4);
  EXPECT_EQ(images->pixels[47], static_cast<uint8_t>(47 * 7));
  auto labels = ReadIdxLabels(dir.File("lab.gz"));
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(*labels, (std::vector<uint8_t>{3, 3, 3}));
}

TEST(IdxReaderTest, MissingFile) {
  testing::TempDir dir;
  auto images = ReadIdxImages(dir.File("nope.gz"));
  EXPECT_EQ(images.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(images.status().message(), dir.File("nope.gz") + ": cannot open: No such file or directory");
}

TEST(IdxReaderTest, TruncatedPayload) {
  testing::TempDir dir;
  WriteGz(dir.File("img.gz"), Images(3, 4, 40));
  auto images = ReadIdxImages(dir.File("img.gz"));
  EXPECT_EQ(images.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(images.status().message(),
            dir.File("img.gz") + ": truncated: expected 48 bytes of pixel data, read 40");
}

TEST(IdxReaderTest, TruncatedGzipStream) {
  testing::TempDir dir;
  std::vector<uint8_t> big = Images(100, 28, 100 * 784);
  WriteGz(dir.File("img.gz"), big);
  // Cut the compressed file in half.
  std::ifstream in(dir.File("img.gz"), std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::ofstream(dir.File("cut.gz"), std::ios::binary).write(bytes.data(), bytes.size() / 2);
  auto images = ReadIdxImages(dir.File("cut.gz"));
  EXPECT_EQ(images.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(std::string(images.status().message()),
              HasSubstr(dir.File("cut.gz") + ": truncated: expected 78400 bytes of pixel data"));
}

TEST(IdxReaderTest, BadMagic) {
  testing::TempDir dir;
  WriteGz(dir.File("lab.gz"), Labels(3, 3));
  auto images = ReadIdxImages(dir.File("lab.gz"));
  EXPECT_EQ(images.status().message(),
            dir.File("lab.gz") + ": bad magic 0x00000801 (expected 0x00000803, IDX images)");
}

TEST(IdxReaderTest, HeaderTooShort) {
  testing::TempDir dir;
  WriteGz(dir.File("lab.gz"), {0, 0, 8, 1, 0, 0});
  auto labels = ReadIdxLabels(dir.File("lab.gz"));
  EXPECT_EQ(labels.status().message(),
            dir.File("lab.gz") + ": truncated: expected 4 bytes of header dimensions, read 2");
}

TEST(IdxReaderTest, CorruptGzipData) {
  testing::TempDir dir;
  WriteGz(dir.File("img.gz"), Images(50, 28, 50 * 784));
  std::fstream f(dir.File("img.gz"), std::ios::in | std::ios::out | std::ios::binary);
  f.seekp(40);
  const char junk[64] = {'\x55', '\x7f', '\x00', '\x13'};
  f.write(junk, sizeof(junk));
  f.close();
  auto images = ReadIdxImages(dir.File("img.gz"));
  ASSERT_FALSE(images.ok());
  EXPECT_THAT(std::string(images.status().message()), HasSubstr(dir.File("img.gz") + ": "));
  EXPECT_EQ(std::string(images.status().message()).find('\n'), std::string::npos);
}

TEST(FashionMnistLoaderTest, LoadsAndNormalises) {
  testing::TempDir dir;
  WriteDataset(dir, 5);
  auto data = LoadFashionMnist(dir.path());
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->train.images.shape(), (Shape{5, 1, 4, 4}));
  EXPECT_EQ(data->test.size(), 5);
  EXPECT_EQ(data->train.num_classes, 10);
  EXPECT_NEAR(data->train.images[0], (0.0f - 0.2860f) / 0.3530f, 1e-5);  // pixel 0
}

TEST(FashionMnistLoaderTest, CountMismatch) {
  testing::TempDir dir;
  WriteDataset(dir, 5);
  WriteGz(dir.File("train-labels-idx1-ubyte.gz"), Labels(4, 4));
  auto data = LoadFashionMnist(dir.path());
  EXPECT_EQ(data.status().message(), dir.File("train-images-idx3-ubyte.gz") + ": has 5 images but " +
                                         dir.File("train-labels-idx1-ubyte.gz") + " has 4 labels");
}

TEST(FashionMnistLoaderTest, LabelOutOfRange) {
  testing::TempDir dir;
  WriteDataset(dir, 5);
  WriteGz(dir.File("t10k-labels-idx1-ubyte.gz"), Labels(5, 5, 12));
  auto data = LoadFashionMnist(dir.path());
  EXPECT_THAT(std::string(data.status().message()), HasSubstr("t10k-labels-idx1-ubyte.gz: label 12 at index 0"));
}

TEST(FashionMnistLoaderTest, MissingTestFile) {
  testing::TempDir dir;
  WriteDataset(dir, 5);
  std::remove(dir.File("t10k-images-idx3-ubyte.gz").c_str());
  auto data = LoadFashionMnist(dir.path());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(data.status().message()), HasSubstr("t10k-images-idx3-ubyte.gz: cannot open"));
}

}  // namespace
}  // namespace syncline::core
