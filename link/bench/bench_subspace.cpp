// Benchmarks of blind subspace recovery (T slots) and per-slot codeword
// reconstruction. The reference in the same run is a full SVD of one slot
// (Eigen's JacobiSVD), the textbook per-slot step of the paper's pipeline.
#include "moema/link/scenario.hpp"

#include <benchmark/benchmark.h>

#include <limits>

using namespace moema::rx;

namespace {

SimulatedSlots make_slots(int devices, int overlap, int slots) {
  ScenarioConfig sc;
  sc.precoders.devices = devices;
  sc.precoders.overlap = overlap;
  sc.channel.snr_db = 20.0;
  sc.slots = slots;
  return simulate(sc);
}

void BM_Recovery(benchmark::State& state) {
  const auto method = static_cast<RecoveryMethod>(state.range(0));
  const SimulatedSlots sim = make_slots(2, static_cast<int>(state.range(1)), 500);
  const RecoveryConfig rc = recovery_config(sim, method);
  for (auto _ : state) benchmark::DoNotOptimize(recover_subspaces(sim.received, rc));
  state.SetLabel(to_string(method) + " T=500 overlap=" + std::to_string(state.range(1)));
}
BENCHMARK(BM_Recovery)
    ->ArgsProduct({{static_cast<int>(RecoveryMethod::Jbd)}, {0, 1, 2}})
    ->Args({static_cast<int>(RecoveryMethod::Paper), 0})
    ->Unit(benchmark::kMillisecond);

void BM_DecodeSlot(benchmark::State& state) {
  const auto decoder = static_cast<Decoder>(state.range(0));
  const SimulatedSlots sim = make_slots(static_cast<int>(state.range(1)), 0, 64);
  const CodewordDecoder dec(sim.precoders.bases(), decoder);
  std::size_t t = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(dec.decode(sim.received[t], sim.anchors[t]));
    t = (t + 1) % sim.received.size();
  }
  state.SetLabel(to_string(decoder) + " N=" + std::to_string(state.range(1)) + " (all devices of one slot)");
}
BENCHMARK(BM_DecodeSlot)->ArgsProduct({{0, 1}, {2, 3}})->Unit(benchmark::kMicrosecond);

void BM_ReferenceSlotSvd(benchmark::State& state) {
  const SimulatedSlots sim = make_slots(2, 0, 64);
  std::size_t t = 0;
  for (auto _ : state) {
    Eigen::JacobiSVD<Matrix> svd(sim.received[t], Eigen::ComputeThinV);
    benchmark::DoNotOptimize(svd.matrixV().data());
    t = (t + 1) % sim.received.size();
  }
  state.SetLabel("reference: JacobiSVD of one 32x10 slot");
}
BENCHMARK(BM_ReferenceSlotSvd)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
