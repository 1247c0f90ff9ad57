#include "moema/jscc/image_io.hpp"

// jpeglib.h needs size_t and FILE declared first.
#include <cstddef>
#include <cstdio>

#include <jerror.h>
#include <jpeglib.h>
#include <png.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csetjmp>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

namespace moema::jscc {
namespace {

namespace fs = std::filesystem;

// Decoded images larger than this are refused: a corrupt header must not
// make us allocate gigabytes.
constexpr std::size_t kMaxPixelBytes = std::size_t{1} << 31;

[[noreturn]] void fail(const char* what, const std::string& path, const std::string& problem) {
  throw ImageError(std::string(what) + ": '" + path + "': " + problem);
}

std::string shape_of(const torch::Tensor& t) {
  std::ostringstream out;
  out << t.sizes();
  return out.str();
}

// ---------------------------------------------------------------------------
// libpng and libjpeg report errors by longjmp. The decode/encode functions
// below are C-style: the jump never crosses a frame holding C++ objects, all
// state lives in plain structs owned by the caller, and the caller throws
// after they return.

struct PngDecodeJob {
  const unsigned char* data;
  std::size_t size;
  std::size_t offset;
  png_uint_32 width;
  png_uint_32 height;
  int channels;           // 3 (or 4 if an alpha channel survived)
  int bit_depth;          // 8 or 16 after the transforms
  unsigned char* pixels;  // malloc'd interleaved rows; the caller frees
  png_bytep* rows;        // malloc'd; the caller frees
  char error[256];
};

struct PngEncodeJob {
  std::FILE* file;
  png_uint_32 width;
  png_uint_32 height;
  png_bytep* rows;  // 8-bit RGB rows
  char error[256];
};

// The error pointer is the job's error buffer.
void png_on_error(png_structp png, png_const_charp message) {
  char* error = static_cast<char*>(png_get_error_ptr(png));
  std::snprintf(error, 256, "%s", message);
  png_longjmp(png, 1);
}

void png_on_warning(png_structp, png_const_charp) {}

void png_read_from_memory(png_structp png, png_bytep out, png_size_t length) {
  auto* job = static_cast<PngDecodeJob*>(png_get_io_ptr(png));
  if (length > job->size - job->offset) png_error(png, "file is truncated");
  std::memcpy(out, job->data + job->offset, length);
  job->offset += length;
}

// Every colour type and depth to 8- or 16-bit RGB.
void png_request_rgb(png_structp png, png_infop info) {
  const int color = png_get_color_type(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
  if (color == PNG_COLOR_TYPE_GRAY && png_get_bit_depth(png, info) < 8)
    png_set_expand_gray_1_2_4_to_8(png);
  if ((color & PNG_COLOR_MASK_COLOR) == 0) png_set_gray_to_rgb(png);
  png_set_strip_alpha(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
}

bool decode_png(PngDecodeJob* job) {
  png_structp png =
      png_create_read_struct(PNG_LIBPNG_VER_STRING, job->error, png_on_error, png_on_warning);
  png_infop info = png == nullptr ? nullptr : png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_read_struct(&png, nullptr, nullptr);
    std::snprintf(job->error, sizeof job->error, "out of memory");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_read_struct(&png, &info, nullptr);
    return false;
  }
  png_set_read_fn(png, job, png_read_from_memory);
  png_read_info(png, info);
  png_request_rgb(png, info);
  job->width = png_get_image_width(png, info);
  job->height = png_get_image_height(png, info);
  job->channels = png_get_channels(png, info);
  job->bit_depth = png_get_bit_depth(png, info);
  const std::size_t row_bytes = png_get_rowbytes(png, info);
  if (row_bytes > kMaxPixelBytes / job->height) png_error(png, "image too large");
  job->pixels = static_cast<unsigned char*>(std::malloc(row_bytes * job->height));
  job->rows = static_cast<png_bytep*>(std::malloc(sizeof(png_bytep) * job->height));
  if (job->pixels == nullptr || job->rows == nullptr) png_error(png, "out of memory");
  for (png_uint_32 y = 0; y < job->height; ++y) job->rows[y] = job->pixels + y * row_bytes;
  png_read_image(png, job->rows);
  png_read_end(png, nullptr);  // checks the chunks after the image data too
  png_destroy_read_struct(&png, &info, nullptr);
  return true;
}

bool encode_png(PngEncodeJob* job) {
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, job->error, png_on_error, png_on_warning);
  png_infop info = png == nullptr ? nullptr : png_create_info_struct(png);
  if (info == nullptr) {
    png_destroy_write_struct(&png, nullptr);
    std::snprintf(job->error, sizeof job->error, "out of memory");
    return false;
  }
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    return false;
  }
  png_init_io(png, job->file);
  png_set_IHDR(png, info, job->width, job->height, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, job->rows);
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return true;
}

struct JpegDecodeJob {
  jpeg_error_mgr manager;  // first member: libjpeg hands back a pointer to it
  std::jmp_buf jump;
  const unsigned char* data;
  std::size_t size;
  unsigned width;
  unsigned height;
  unsigned char* pixels;  // malloc'd 8-bit RGB rows; the caller frees
  char error[JMSG_LENGTH_MAX];
};

void jpeg_on_error(j_common_ptr cinfo) {
  auto* job = reinterpret_cast<JpegDecodeJob*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, job->error);
  std::longjmp(job->jump, 1);
}

// libjpeg only warns about damaged or missing data and fills the gap with
// grey; for us a truncated or corrupt file is an error.
void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;  // trace output, not a warning
  switch (cinfo->err->msg_code) {
    case JWRN_JPEG_EOF:
    case JWRN_HIT_MARKER:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_MUST_RESYNC:
      jpeg_on_error(cinfo);
      break;
    default:
      break;
  }
}

bool decode_jpeg(JpegDecodeJob* job) {
  jpeg_decompress_struct cinfo;
  std::memset(&cinfo, 0, sizeof cinfo);
  cinfo.err = jpeg_std_error(&job->manager);
  job->manager.error_exit = jpeg_on_error;
  job->manager.emit_message = jpeg_on_message;
  if (setjmp(job->jump)) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, job->data, static_cast<unsigned long>(job->size));
  jpeg_read_header(&cinfo, TRUE);
  cinfo.out_color_space = JCS_RGB;  // gray and YCbCr alike
  jpeg_start_decompress(&cinfo);
  job->width = cinfo.output_width;
  job->height = cinfo.output_height;
  const std::size_t row_bytes = std::size_t{cinfo.output_width} * 3;
  if (row_bytes > kMaxPixelBytes / job->height) {
    std::snprintf(job->error, sizeof job->error, "image too large");
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  job->pixels = static_cast<unsigned char*>(std::malloc(row_bytes * job->height));
  if (job->pixels == nullptr) {
    std::snprintf(job->error, sizeof job->error, "out of memory");
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = job->pixels + cinfo.output_scanline * row_bytes;
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  jpeg_destroy_decompress(&cinfo);
  return true;
}

// ---------------------------------------------------------------------------

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
using MallocBuffer = std::unique_ptr<unsigned char, FreeDeleter>;

std::vector<unsigned char> read_file(const std::string& path) {
  std::error_code ec;
  const fs::file_status status = fs::status(path, ec);
  if (!fs::exists(status)) fail("load_image", path, "no such file");
  if (fs::is_directory(status)) fail("load_image", path, "is a directory, not an image file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) fail("load_image", path, std::string("cannot open: ") + std::strerror(errno));
  const std::streamoff size = in.tellg();
  if (size < 0) fail("load_image", path, "cannot read the file size");
  std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  if (!in) fail("load_image", path, "read error");
  return bytes;
}

bool is_png(const std::vector<unsigned char>& bytes) {
  return bytes.size() >= 8 && png_sig_cmp(bytes.data(), 0, 8) == 0;
}

bool is_jpeg(const std::vector<unsigned char>& bytes) {
  return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

// Interleaved rows ([H, W, channels] samples, 16-bit ones big-endian) to
// float32 [3, H, W] in [0, 1]; copies, so the buffer may be freed afterwards.
torch::Tensor to_chw(unsigned char* pixels, int64_t height, int64_t width, int64_t channels,
                     int bit_depth) {
  if (bit_depth == 8) {
    const auto hwc = torch::from_blob(pixels, {height, width, channels}, torch::kUInt8);
    return hwc.narrow(2, 0, 3).permute({2, 0, 1}).to(torch::kFloat32).div(255.0).contiguous();
  }
  const auto bytes =
      torch::from_blob(pixels, {height, width, channels, 2}, torch::kUInt8).narrow(2, 0, 3);
  const auto wide = bytes.to(torch::kInt32);
  const auto values = wide.select(3, 0) * 256 + wide.select(3, 1);
  return values.permute({2, 0, 1}).to(torch::kFloat32).div(65535.0).contiguous();
}

torch::Tensor load_png(const std::vector<unsigned char>& bytes, const std::string& path) {
  PngDecodeJob job{};
  job.data = bytes.data();
  job.size = bytes.size();
  const bool ok = decode_png(&job);
  MallocBuffer pixels(job.pixels);
  MallocBuffer rows(reinterpret_cast<unsigned char*>(job.rows));
  if (!ok) fail("load_image", path, std::string("corrupt or truncated PNG: ") + job.error);
  return to_chw(pixels.get(), job.height, job.width, job.channels, job.bit_depth);
}

torch::Tensor load_jpeg(const std::vector<unsigned char>& bytes, const std::string& path) {
  JpegDecodeJob job{};
  job.data = bytes.data();
  job.size = bytes.size();
  const bool ok = decode_jpeg(&job);
  MallocBuffer pixels(job.pixels);
  if (!ok) fail("load_image", path, std::string("corrupt or truncated JPEG: ") + job.error);
  return to_chw(pixels.get(), job.height, job.width, 3, 8);
}

// round(255 clamp(x, 0, 1)) as floating values; NaN counts as 0.
torch::Tensor levels_8bit(const torch::Tensor& image) {
  return torch::round(torch::nan_to_num(image, 0.0, 1.0, 0.0).clamp(0.0, 1.0) * 255.0);
}

// The tensor save_png writes: [H, W, 3] uint8, contiguous, on the CPU.
torch::Tensor png_pixels(const torch::Tensor& image, const std::string& path) {
  const bool chw = image.dim() == 3 && image.size(0) == 3;
  const bool nchw = image.dim() == 4 && image.size(0) == 1 && image.size(1) == 3;
  if (!chw && !nchw)
    fail("save_png", path, "expected an image tensor [3, H, W] or [1, 3, H, W], got " +
                               shape_of(image));
  if (image.size(-1) == 0 || image.size(-2) == 0)
    fail("save_png", path, "empty image " + shape_of(image));
  if (!image.is_floating_point())
    fail("save_png", path, "expected a floating-point tensor in [0, 1], got dtype " +
                               std::string(c10::toString(image.scalar_type())));
  const auto levels = levels_8bit(image.detach().reshape({3, image.size(-2), image.size(-1)}));
  return levels.to(torch::kCPU).to(torch::kUInt8).permute({1, 2, 0}).contiguous();
}

void make_parent_directories(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  if (parent.empty()) return;
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) fail("save_png", path, "cannot create the folder '" + parent.string() + "': " + ec.message());
}

bool has_image_extension(const fs::path& file) {
  std::string ext = file.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg";
}

}  // namespace

torch::Tensor load_image(const std::string& path) {
  const std::vector<unsigned char> bytes = read_file(path);
  if (bytes.empty()) fail("load_image", path, "empty file (0 bytes)");
  if (is_png(bytes)) return load_png(bytes, path);
  if (is_jpeg(bytes)) return load_jpeg(bytes, path);
  fail("load_image", path, "not a PNG or JPEG file (unknown signature bytes)");
}

void save_png(const torch::Tensor& image, const std::string& path) {
  const torch::Tensor pixels = png_pixels(image, path);
  make_parent_directories(path);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) fail("save_png", path, std::string("cannot open for writing: ") + std::strerror(errno));
  const int64_t height = pixels.size(0);
  const int64_t row_bytes = pixels.size(1) * 3;
  std::vector<png_bytep> rows(static_cast<std::size_t>(height));
  for (int64_t y = 0; y < height; ++y) rows[y] = pixels.data_ptr<uint8_t>() + y * row_bytes;
  PngEncodeJob job{};
  job.file = file;
  job.width = static_cast<png_uint_32>(pixels.size(1));
  job.height = static_cast<png_uint_32>(height);
  job.rows = rows.data();
  const bool ok = encode_png(&job);
  const bool closed = std::fclose(file) == 0;
  if (ok && closed) return;
  std::error_code ec;
  fs::remove(path, ec);  // no half-written file left behind
  fail("save_png", path, ok ? "write error on close" : std::string("PNG encoder: ") + job.error);
}

torch::Tensor quantize_8bit(const torch::Tensor& image) {
  if (!image.is_floating_point())
    throw std::invalid_argument("quantize_8bit: expected a floating-point tensor, got dtype " +
                                std::string(c10::toString(image.scalar_type())));
  return levels_8bit(image) / 255.0;
}

std::vector<std::string> list_images(const std::string& folder) {
  std::error_code ec;
  const fs::file_status status = fs::status(folder, ec);
  if (!fs::exists(status)) fail("list_images", folder, "no such folder");
  if (!fs::is_directory(status)) fail("list_images", folder, "not a directory");
  std::vector<fs::path> files;
  fs::directory_iterator it(folder, ec);
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec) && has_image_extension(it->path())) files.push_back(it->path());
  }
  if (ec) fail("list_images", folder, "cannot read the folder: " + ec.message());
  if (files.empty()) fail("list_images", folder, "no .png, .jpg or .jpeg images in the folder");
  std::sort(files.begin(), files.end(), [](const fs::path& a, const fs::path& b) {
    return a.filename().string() < b.filename().string();
  });
  std::vector<std::string> paths;
  paths.reserve(files.size());
  for (const fs::path& file : files) paths.push_back(file.string());
  return paths;
}

}  // namespace moema::jscc
