#include "moema/common/progress.hpp"

#include <unistd.h>

#include <algorithm>

namespace moema {

ProgressBar::ProgressBar(std::string label, long total, bool enabled)
    : label_(std::move(label)),
      total_(std::max(1L, total)),
      enabled_(enabled),
      interactive_(isatty(fileno(stderr)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() {
  if (!finished_) finish();
}

void ProgressBar::advance(long steps, const std::string& status) {
  done_ = std::min(total_, done_ + steps);
  if (!enabled_) return;
  const auto now = std::chrono::steady_clock::now();
  const int decile = static_cast<int>(10 * done_ / total_);
  const bool redraw = interactive_ ? now - last_draw_ > std::chrono::milliseconds(100) : decile != last_decile_;
  if (!redraw) return;
  last_draw_ = now;
  last_decile_ = decile;
  draw(status);
}

void ProgressBar::finish(const std::string& status) {
  if (finished_) return;
  finished_ = true;
  done_ = total_;
  if (!enabled_) return;
  last_decile_ = 10;
  draw(status);
  if (interactive_) std::fputc('\n', stderr);
  std::fflush(stderr);
}

void ProgressBar::draw(const std::string& status) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done_ / total_);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const std::string bar = std::string(filled, '#') + std::string(kWidth - filled, '.');
  std::fprintf(stderr, "%s%-28s [%s] %3ld%% %6.1fs %s%s", interactive_ ? "\r" : "", label_.c_str(), bar.c_str(),
               100 * done_ / total_, elapsed, status.c_str(), interactive_ ? "\033[K" : "\n");
  std::fflush(stderr);
}

}  // namespace moema
