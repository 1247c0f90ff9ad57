// Image files: PNG/JPEG decoding against files written here with libpng and
// libjpeg directly, the 8-bit PNG writer, errors, folders and the Kodak copy.
#include "moema/jscc/image_io.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>

#include <jpeglib.h>
#include <png.h>
#include <unistd.h>

#include <csetjmp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace jscc = moema::jscc;
namespace fs = std::filesystem;

namespace {

// An empty folder of its own for the running test.
fs::path fresh_dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const fs::path dir = fs::path(::testing::TempDir()) /
                       ("moema_jscc_" + std::string(info->test_suite_name()) + "_" + info->name() +
                        "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Writes rows of raw PNG samples (already packed as libpng expects: 16-bit
// big-endian, sub-byte depths packed high bits first). False on any error.
bool write_png_raw(const std::string& path, int width, int height, int color_type, int bit_depth,
                   const std::vector<unsigned char>& data,
                   const std::vector<png_color>& palette = {}) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) return false;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    std::fclose(file);
    return false;
  }
  png_init_io(png, file);
  png_set_IHDR(png, info, width, height, bit_depth, color_type, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!palette.empty())
    png_set_PLTE(png, info, palette.data(), static_cast<int>(palette.size()));
  png_write_info(png, info);
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  for (int y = 0; y < height; ++y)
    png_write_row(png, const_cast<unsigned char*>(data.data()) + y * row_bytes);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return std::fclose(file) == 0;
}

// Writes interleaved 8-bit samples (1 = gray, 3 = RGB) as a JPEG.
void write_jpeg(const std::string& path, int width, int height, int components,
                const std::vector<unsigned char>& data, int quality, bool progressive) {
  std::FILE* file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  jpeg_compress_struct cinfo;
  jpeg_error_mgr errors;
  cinfo.err = jpeg_std_error(&errors);
  jpeg_create_compress(&cinfo);
  jpeg_stdio_dest(&cinfo, file);
  cinfo.image_width = width;
  cinfo.image_height = height;
  cinfo.input_components = components;
  cinfo.in_color_space = components == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&cinfo);
  jpeg_set_quality(&cinfo, quality, TRUE);
  if (progressive) jpeg_simple_progression(&cinfo);
  jpeg_start_compress(&cinfo, TRUE);
  while (cinfo.next_scanline < cinfo.image_height) {
    JSAMPROW row = const_cast<unsigned char*>(data.data()) +
                   static_cast<std::size_t>(cinfo.next_scanline) * width * components;
    jpeg_write_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_compress(&cinfo);
  jpeg_destroy_compress(&cinfo);
  ASSERT_EQ(std::fclose(file), 0);
}

// A smooth colour image as interleaved 8-bit RGB (JPEG keeps it nearly exact).
std::vector<unsigned char> smooth_rgb(int width, int height) {
  std::vector<unsigned char> data;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      data.push_back(static_cast<unsigned char>(40 + 160 * x / (width - 1)));
      data.push_back(static_cast<unsigned char>(200 - 150 * y / (height - 1)));
      data.push_back(static_cast<unsigned char>(90 + 3 * (x + y)));
    }
  return data;
}

// The message of the ImageError that load_image throws ("" if none).
std::string load_error(const std::string& path) {
  try {
    jscc::load_image(path);
  } catch (const jscc::ImageError& e) {
    return e.what();
  }
  return "";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

float max_abs_diff(const torch::Tensor& a, const torch::Tensor& b) {
  return (a - b).abs().max().item<float>();
}

}  // namespace

TEST(ImageIo, SavePngRoundTripsEvery8BitValue) {
  const auto dir = fresh_dir();
  const auto v = torch::arange(256, torch::kInt64).view({16, 16});
  const auto levels = torch::stack({v, 255 - v, (v * 7) % 256});  // each channel has all 256 values
  const auto image = levels.to(torch::kFloat32) / 255.0;
  const std::string path = (dir / "all_values.png").string();
  jscc::save_png(image, path);

  const auto loaded = jscc::load_image(path);
  ASSERT_EQ(loaded.sizes(), (std::vector<int64_t>{3, 16, 16}));
  EXPECT_EQ(loaded.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::equal(torch::round(loaded * 255.0).to(torch::kInt64), levels));
  EXPECT_TRUE(torch::equal(loaded, image));

  // The file itself, read by libpng: 8-bit RGB with exactly those samples.
  png_image file{};
  file.version = PNG_IMAGE_VERSION;
  ASSERT_TRUE(png_image_begin_read_from_file(&file, path.c_str())) << file.message;
  EXPECT_EQ(file.width, 16u);
  EXPECT_EQ(file.height, 16u);
  EXPECT_EQ(file.format, static_cast<png_uint_32>(PNG_FORMAT_RGB));
  file.format = PNG_FORMAT_RGB;
  std::vector<unsigned char> pixels(PNG_IMAGE_SIZE(file));
  ASSERT_TRUE(png_image_finish_read(&file, nullptr, pixels.data(), 0, nullptr)) << file.message;
  for (int i = 0; i < 256; ++i) {
    EXPECT_EQ(pixels[3 * i + 0], i);
    EXPECT_EQ(pixels[3 * i + 1], 255 - i);
    EXPECT_EQ(pixels[3 * i + 2], (7 * i) % 256);
  }
}

TEST(ImageIo, SavePngClampsAndRoundsLikeQuantize8bit) {
  const auto dir = fresh_dir();
  // Batched shape [1, 3, 1, 4]; out-of-range values clamp to 0 and 1.
  const auto image = torch::tensor({-0.2, 0.101, 0.5, 1.7, 0.0, 1.0, 0.004, 0.998, 0.25, 0.75,
                                    0.333, 0.93},
                                   torch::kFloat32)
                         .view({1, 3, 1, 4});
  const auto expected_levels =
      torch::tensor({0, 26, 128, 255, 0, 255, 1, 254, 64, 191, 85, 237}, torch::kInt64)
          .view({3, 1, 4});
  const auto quantized = jscc::quantize_8bit(image);
  EXPECT_EQ(quantized.sizes(), image.sizes());
  EXPECT_TRUE(torch::allclose(quantized, (expected_levels.to(torch::kFloat32) / 255.0).unsqueeze(0)));

  const std::string path = (dir / "nested" / "deeper" / "q.png").string();  // parents created
  jscc::save_png(image, path);
  const auto loaded = jscc::load_image(path);
  EXPECT_TRUE(torch::equal(torch::round(loaded * 255.0).to(torch::kInt64), expected_levels));
  EXPECT_TRUE(torch::allclose(loaded, quantized.squeeze(0)));
}

TEST(ImageIo, SavePngRejectsWrongShapeNamingIt) {
  const auto dir = fresh_dir();
  const std::string path = (dir / "bad.png").string();
  try {
    jscc::save_png(torch::zeros({2, 3, 4, 4}), path);
    FAIL() << "no ImageError";
  } catch (const jscc::ImageError& e) {
    EXPECT_TRUE(contains(e.what(), "[2, 3, 4, 4]")) << e.what();
    EXPECT_TRUE(contains(e.what(), path)) << e.what();
  }
  EXPECT_THROW(jscc::save_png(torch::zeros({4, 8, 8}), path), jscc::ImageError);
  EXPECT_THROW(jscc::save_png(torch::zeros({8, 8}), path), jscc::ImageError);
  EXPECT_FALSE(fs::exists(path));
}

TEST(ImageIo, Loads16BitRgbPng) {
  const auto dir = fresh_dir();
  const std::vector<int> samples = {0, 65535, 257, 1000, 32768, 12345, 65534, 1, 40000, 51400, 7, 65000};
  std::vector<unsigned char> data;  // 2 x 2 pixels, big-endian samples
  for (int s : samples) {
    data.push_back(static_cast<unsigned char>(s >> 8));
    data.push_back(static_cast<unsigned char>(s & 0xFF));
  }
  const std::string path = (dir / "deep.png").string();
  ASSERT_TRUE(write_png_raw(path, 2, 2, PNG_COLOR_TYPE_RGB, 16, data));

  const auto loaded = jscc::load_image(path);
  ASSERT_EQ(loaded.sizes(), (std::vector<int64_t>{3, 2, 2}));
  for (int pixel = 0; pixel < 4; ++pixel)
    for (int c = 0; c < 3; ++c)
      EXPECT_NEAR(loaded[c][pixel / 2][pixel % 2].item<float>(), samples[3 * pixel + c] / 65535.0,
                  1e-6)
          << "pixel " << pixel << " channel " << c;
}

TEST(ImageIo, LoadsPalettePng) {
  const auto dir = fresh_dir();
  const std::vector<png_color> palette = {{255, 0, 0}, {0, 128, 255}, {10, 20, 30}, {200, 201, 202}};
  // 4 x 2 pixels at 4 bits per index: indices 0 1 2 3 / 3 2 1 0.
  const std::vector<unsigned char> data = {0x01, 0x23, 0x32, 0x10};
  const std::string path = (dir / "palette.png").string();
  ASSERT_TRUE(write_png_raw(path, 4, 2, PNG_COLOR_TYPE_PALETTE, 4, data, palette));

  const auto loaded = jscc::load_image(path);
  ASSERT_EQ(loaded.sizes(), (std::vector<int64_t>{3, 2, 4}));
  const int indices[2][4] = {{0, 1, 2, 3}, {3, 2, 1, 0}};
  for (int y = 0; y < 2; ++y)
    for (int x = 0; x < 4; ++x) {
      const png_color& colour = palette[indices[y][x]];
      EXPECT_FLOAT_EQ(loaded[0][y][x].item<float>(), colour.red / 255.0f);
      EXPECT_FLOAT_EQ(loaded[1][y][x].item<float>(), colour.green / 255.0f);
      EXPECT_FLOAT_EQ(loaded[2][y][x].item<float>(), colour.blue / 255.0f);
    }
}

TEST(ImageIo, LoadsGrayPngAsEqualChannels) {
  const auto dir = fresh_dir();
  const std::vector<unsigned char> gray8 = {0, 17, 128, 255, 3, 99};  // 3 x 2
  const std::string path8 = (dir / "gray8.png").string();
  ASSERT_TRUE(write_png_raw(path8, 3, 2, PNG_COLOR_TYPE_GRAY, 8, gray8));
  const auto loaded8 = jscc::load_image(path8);
  ASSERT_EQ(loaded8.sizes(), (std::vector<int64_t>{3, 2, 3}));
  for (int i = 0; i < 6; ++i)
    for (int c = 0; c < 3; ++c)
      EXPECT_FLOAT_EQ(loaded8[c][i / 3][i % 3].item<float>(), gray8[i] / 255.0f);

  // 2-bit gray scales its levels 0..3 to 0, 85, 170, 255.
  const std::string path2 = (dir / "gray2.png").string();
  ASSERT_TRUE(write_png_raw(path2, 4, 1, PNG_COLOR_TYPE_GRAY, 2, {0x1B}));  // 0 1 2 3
  const auto loaded2 = jscc::load_image(path2);
  ASSERT_EQ(loaded2.sizes(), (std::vector<int64_t>{3, 1, 4}));
  for (int x = 0; x < 4; ++x)
    for (int c = 0; c < 3; ++c) EXPECT_FLOAT_EQ(loaded2[c][0][x].item<float>(), 85 * x / 255.0f);
}

TEST(ImageIo, LoadsRgbaAndGrayAlphaPngDroppingAlpha) {
  const auto dir = fresh_dir();
  const std::string rgba = (dir / "rgba.png").string();
  ASSERT_TRUE(write_png_raw(rgba, 2, 1, PNG_COLOR_TYPE_RGBA, 8, {10, 20, 30, 0, 200, 100, 50, 128}));
  const auto loaded = jscc::load_image(rgba);
  ASSERT_EQ(loaded.sizes(), (std::vector<int64_t>{3, 1, 2}));
  const auto expected = torch::tensor({10, 200, 20, 100, 30, 50}, torch::kFloat32).view({3, 1, 2}) / 255.0;
  EXPECT_TRUE(torch::allclose(loaded, expected));

  const std::string gray_alpha = (dir / "ga.png").string();
  ASSERT_TRUE(write_png_raw(gray_alpha, 1, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8, {77, 0}));
  EXPECT_TRUE(torch::allclose(jscc::load_image(gray_alpha), torch::full({3, 1, 1}, 77 / 255.0)));
}

TEST(ImageIo, LoadsJpegQuality100WithinTolerance) {
  const auto dir = fresh_dir();
  const int width = 24, height = 16;
  const auto rgb = smooth_rgb(width, height);
  const auto expected = torch::from_blob(const_cast<unsigned char*>(rgb.data()), {height, width, 3},
                                         torch::kUInt8)
                            .permute({2, 0, 1})
                            .to(torch::kFloat32) /
                        255.0;
  for (bool progressive : {false, true}) {
    // Named .png on purpose: the signature decides, not the name.
    const std::string path = (dir / (progressive ? "progressive.png" : "baseline.jpg")).string();
    write_jpeg(path, width, height, 3, rgb, 100, progressive);
    const auto loaded = jscc::load_image(path);
    ASSERT_EQ(loaded.sizes(), (std::vector<int64_t>{3, height, width})) << path;
    EXPECT_LT(max_abs_diff(loaded, expected), 6.0f / 255) << path;
    EXPECT_LT((loaded - expected).abs().mean().item<float>(), 1.5f / 255) << path;
  }
}

TEST(ImageIo, LoadsGrayJpegAsEqualChannels) {
  const auto dir = fresh_dir();
  const int width = 16, height = 8;
  std::vector<unsigned char> gray;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) gray.push_back(static_cast<unsigned char>(30 + 10 * x + 5 * y));
  const std::string path = (dir / "gray.jpeg").string();
  write_jpeg(path, width, height, 1, gray, 100, false);

  const auto loaded = jscc::load_image(path);
  ASSERT_EQ(loaded.sizes(), (std::vector<int64_t>{3, height, width}));
  EXPECT_TRUE(torch::equal(loaded[0], loaded[1]));
  EXPECT_TRUE(torch::equal(loaded[0], loaded[2]));
  const auto expected =
      torch::from_blob(gray.data(), {height, width}, torch::kUInt8).to(torch::kFloat32) / 255.0;
  EXPECT_LT(max_abs_diff(loaded[0], expected), 3.0f / 255);
}

TEST(ImageIoErrors, MissingFileNamesThePath) {
  const auto dir = fresh_dir();
  const std::string path = (dir / "nowhere.png").string();
  const std::string message = load_error(path);
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(contains(message, "no such file")) << message;
}

TEST(ImageIoErrors, ZeroByteFileNamesThePath) {
  const auto dir = fresh_dir();
  const std::string path = (dir / "empty.png").string();
  write_bytes(path, "");
  const std::string message = load_error(path);
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(contains(message, "empty")) << message;
}

TEST(ImageIoErrors, TextFileNamedPngNamesThePath) {
  const auto dir = fresh_dir();
  const std::string path = (dir / "notes.png").string();
  write_bytes(path, "This is not an image, only some text.\n");
  const std::string message = load_error(path);
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(contains(message, "not a PNG or JPEG")) << message;
}

TEST(ImageIoErrors, TruncatedPngNamesThePath) {
  const auto dir = fresh_dir();
  const std::string whole = (dir / "whole.png").string();
  torch::manual_seed(3);
  jscc::save_png(torch::rand({3, 64, 64}), whole);  // noise: the image data dominates the file
  const std::string bytes = read_bytes(whole);
  ASSERT_GT(bytes.size(), 10000u);
  const std::string path = (dir / "half.png").string();
  write_bytes(path, bytes.substr(0, bytes.size() / 2));
  const std::string message = load_error(path);
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(contains(message, "truncated")) << message;
}

TEST(ImageIoErrors, TruncatedJpegNamesThePath) {
  const auto dir = fresh_dir();
  const std::string whole = (dir / "whole.jpg").string();
  write_jpeg(whole, 64, 48, 3, smooth_rgb(64, 48), 95, false);
  const std::string bytes = read_bytes(whole);
  const std::string path = (dir / "half.jpg").string();
  write_bytes(path, bytes.substr(0, bytes.size() / 2));
  const std::string message = load_error(path);
  EXPECT_TRUE(contains(message, path)) << message;
  EXPECT_TRUE(contains(message, "JPEG")) << message;
}

TEST(ListImages, FiltersByExtensionCaseInsensitivelyAndSortsByName) {
  const auto dir = fresh_dir();
  for (const char* name : {"b.PNG", "a.jpg", "C.JpEg", "notes.txt", "d.gif", "png", "e.png.bak"})
    write_bytes(dir / name, "x");
  fs::create_directories(dir / "folder.png");  // a directory, not an image
  const std::vector<std::string> expected = {(dir / "C.JpEg").string(), (dir / "a.jpg").string(),
                                             (dir / "b.PNG").string()};
  EXPECT_EQ(jscc::list_images(dir.string()), expected);
}

TEST(ListImages, ThrowsForEmptyMissingOrNonFolder) {
  const auto dir = fresh_dir();
  write_bytes(dir / "readme.txt", "no images here");
  for (const fs::path& folder : {dir, dir / "missing", dir / "readme.txt"}) {
    try {
      jscc::list_images(folder.string());
      ADD_FAILURE() << "no ImageError for " << folder;
    } catch (const jscc::ImageError& e) {
      EXPECT_TRUE(contains(e.what(), folder.string())) << e.what();
    }
  }
}

TEST(KodakImages, DefaultFolderHolds24ImagesOfTheRightSize) {
  const auto images = jscc::list_images(moema::kodak_dir());
  ASSERT_EQ(images.size(), 24u);
  for (int i = 0; i < 24; ++i) {
    const std::string name = "kodim" + std::string(i < 9 ? "0" : "") + std::to_string(i + 1) + ".png";
    EXPECT_EQ(fs::path(images[i]).filename().string(), name);
  }
  const auto kodim01 = jscc::load_image(images[0]);
  EXPECT_EQ(kodim01.sizes(), (std::vector<int64_t>{3, 512, 768}));
  EXPECT_EQ(kodim01.scalar_type(), torch::kFloat32);
  EXPECT_GE(kodim01.min().item<float>(), 0.0f);
  EXPECT_LE(kodim01.max().item<float>(), 1.0f);
  EXPECT_GT(kodim01.std().item<float>(), 0.05f);  // a photograph, not a blank
  EXPECT_EQ(jscc::load_image(images[3]).sizes(), (std::vector<int64_t>{3, 768, 512}));
}

TEST(KodakImages, EnvironmentVariableOverridesTheFolder) {
  const char* old = std::getenv("MOEMA_KODAK_DIR");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("MOEMA_KODAK_DIR", "/some/other/kodak", 1);
  EXPECT_EQ(moema::kodak_dir(), "/some/other/kodak");
  ::unsetenv("MOEMA_KODAK_DIR");
  EXPECT_TRUE(contains(moema::kodak_dir(), "jscc/images/kodak"));
  if (old != nullptr) ::setenv("MOEMA_KODAK_DIR", saved.c_str(), 1);
}
