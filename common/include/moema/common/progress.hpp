// A one-line text progress bar for training and evaluation loops. On a
// terminal it redraws in place; otherwise (CI logs, pipes) it prints a line
// at each tenth of the work so logs stay short.
#pragma once

#include <chrono>
#include <cstdio>
#include <string>

namespace moema {

class ProgressBar {
 public:
  ProgressBar(std::string label, long total, bool enabled = true);
  ~ProgressBar();

  // Advances by `steps`; `status` (e.g. "loss 0.41") is shown after the bar.
  void advance(long steps = 1, const std::string& status = "");
  void finish(const std::string& status = "");

 private:
  void draw(const std::string& status);

  std::string label_;
  long total_;
  long done_ = 0;
  bool enabled_;
  bool interactive_;
  bool finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace moema
