// Where the shipped files are found: the environment first, then (in the
// build tree, which is not installed) the source tree. The installed case is
// the install test's (tests/install/test_install.py).
#include "moema/common/paths.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

namespace {

namespace fs = std::filesystem;

// Sets an environment variable for one scope and restores it after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) saved_ = old;
    if (value) ::setenv(name, value, 1);
    else ::unsetenv(name);
  }
  ~ScopedEnv() {
    if (saved_) ::setenv(name_, saved_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

struct Place {
  const char* variable;
  std::function<std::string()> locate;
  const char* source_subdir;  // where the source tree keeps it
  const char* sample_file;    // a file that is shipped there
};

const Place kPlaces[] = {
    {"MOEMA_WEIGHTS_DIR", moema::weights_dir, "models/weights", "embedder.json"},
    {"MOEMA_JSCC_WEIGHTS_DIR", moema::jscc_weights_dir, "jscc/weights", "swinjscc_mimo2x2_r16.json"},
    {"MOEMA_KODAK_DIR", moema::kodak_dir, "jscc/images/kodak", "kodim01.png"},
};

TEST(Paths, EnvironmentVariableWins) {
  for (const Place& place : kPlaces) {
    ScopedEnv env(place.variable, "/some/where/else");
    EXPECT_EQ(place.locate(), "/some/where/else") << place.variable;
  }
  ScopedEnv env("MOEMA_DATA_DIR", "/data/elsewhere");
  EXPECT_EQ(moema::data_dir(), "/data/elsewhere");
}

TEST(Paths, EmptyVariableIsIgnored) {
  for (const Place& place : kPlaces) {
    ScopedEnv env(place.variable, "");
    EXPECT_NE(place.locate(), "") << place.variable;
  }
}

TEST(Paths, BuildTreeUsesTheSourceTreesShippedFiles) {
  // The test program runs from the build tree, which has no share/moema.
  EXPECT_EQ(moema::installed_share_dir(), "");
  for (const Place& place : kPlaces) {
    ScopedEnv env(place.variable, nullptr);
    const fs::path dir = place.locate();
    EXPECT_EQ(dir.filename(), fs::path(place.source_subdir).filename()) << dir;
    EXPECT_TRUE(fs::is_regular_file(dir / place.sample_file)) << dir / place.sample_file;
  }
  ScopedEnv env("MOEMA_DATA_DIR", nullptr);
  EXPECT_EQ(fs::path(moema::data_dir()).filename(), "data");
}

}  // namespace
