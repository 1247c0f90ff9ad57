#include "moema/common/torch_support.hpp"

#include <algorithm>
#include <thread>

namespace moema {

void configure_threads(int threads) {
  const int n = threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  torch::set_num_threads(n);
}

}  // namespace moema
