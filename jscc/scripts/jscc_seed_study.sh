#!/usr/bin/env bash
# The three image codecs (AD-MoE SwinJSCC, SwinJSCC, DeepJSCC) trained with
# the shipped recipe from several seeds, so that a difference between codecs
# can be told from the spread between seeds of one codec. Each model is
# evaluated on Kodak (the test set, SNR 1-13 dB) and on held-out BSDS500 test
# images (not used for training). Trained models and their evaluations are
# kept in WORK_DIR and not computed again. Prints Markdown tables.
# TRAIN_ARGS adds jscc-train options to the recipe; ARCHITECTURES limits the
# codecs (default: all three); VALIDATION_IMAGES=0 skips the BSDS500 test
# images (default 24).
#
#   jscc/scripts/jscc_seed_study.sh [BUILD_DIR] [WORK_DIR] [SEEDS] [STEPS]
#   e.g. jscc/scripts/jscc_seed_study.sh build build-seeds "1 2 3 4 5" 800
#        TRAIN_ARGS="--lr-schedule cosine --warmup-steps 40" ARCHITECTURES="admoe_swinjscc swinjscc" \
#          jscc/scripts/jscc_seed_study.sh build build-cosine "1 2 3" 800
#        TRAIN_ARGS="--colour opponent" jscc/scripts/jscc_seed_study.sh build build-opponent "1 2 3 4 5" 800
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/jscc_recipe.sh"
build="${1:-build}"
work="${2:-build-seeds}"
seeds="${3:-1 2 3}"
steps="${4:-800}"
bsds="$jscc_bsds500"
snrs=("${jscc_kodak_snrs[@]}")
read -r -a architectures <<<"${ARCHITECTURES:-admoe_swinjscc swinjscc deepjscc}"
read -r -a train_args <<<"${TRAIN_ARGS:-}"
validation_images="${VALIDATION_IMAGES:-24}"
validation_snrs=(1 7 13)
for exe in jscc-train jscc-eval; do
  [[ -x "$build/bin/$exe" ]] || { echo "no $build/bin/$exe: build first (./testbed build)" >&2; exit 1; }
done
[[ -d "$bsds/train" && -d "$bsds/test" ]] || { echo "$bsds: no train/ and test/ folders (set BSDS500)" >&2; exit 1; }
mkdir -p "$work"

manifests=()
for a in "${architectures[@]}"; do
  for s in $seeds; do
    prefix="$work/${a}_seed$s"
    if [[ ! -f "$prefix.json" ]]; then
      echo "training $a, seed $s" >&2
      jscc_train "$build" "$a" "$s" "$steps" "$work/checkpoint_${a}_seed$s" "$prefix" "${train_args[@]}"
    fi
    manifests+=("$prefix.json")
  done
done

for manifest in "${manifests[@]}"; do
  prefix="${manifest%.json}"
  if [[ ! -f "$prefix.kodak.json" ]]; then
    echo "evaluating $prefix on Kodak" >&2
    jscc_eval_kodak "$build" "$manifest" "$prefix.kodak.json"
  fi
  if [[ "$validation_images" != 0 && ! -f "$prefix.validation.json" ]]; then
    echo "evaluating $prefix on $validation_images BSDS500 test images" >&2
    "$build/bin/jscc-eval" --models "$manifest" --images "$bsds/test" --limit "$validation_images" \
      --snr "${validation_snrs[@]}" --seed 1 --json --no-plots --no-reconstructions --out "$prefix.eval" \
      >"$prefix.validation.json.tmp"
    mv "$prefix.validation.json.tmp" "$prefix.validation.json"
  fi
done

/usr/bin/python3 - "$work" "$steps" "${snrs[*]}" "${validation_snrs[*]}" "${architectures[*]}" "$validation_images" \
  $seeds <<'EOF'
import json, statistics, sys
work, steps, snrs, validation_snrs = sys.argv[1], sys.argv[2], sys.argv[3].split(), sys.argv[4].split()
with_validation = sys.argv[6] != "0"
seeds = [int(s) for s in sys.argv[7:]]
names = {"admoe_swinjscc": "AD-MoE SwinJSCC", "swinjscc": "SwinJSCC", "deepjscc": "DeepJSCC"}
names = {a: names[a] for a in sys.argv[5].split()}

def rows(arch, seed, test):  # {snr: row}
    with open("%s/%s_seed%d.%s.json" % (work, arch, seed, test)) as f:
        return {r["snr_db"]: r for r in json.load(f)["rows"]}

def mean_psnr(table):
    return statistics.mean(r["psnr"] for r in table.values()) if table else float("nan")

def cell(x, fmt="%.2f"):  # "-" where the BSDS500 test images were skipped
    return "-" if x != x else fmt % x

kodak = {a: {s: rows(a, s, "kodak") for s in seeds} for a in names}
validation = {a: {s: rows(a, s, "validation") if with_validation else {} for s in seeds} for a in names}
snr_values = sorted(next(iter(next(iter(kodak.values())).values())))
header = " | ".join("%g dB" % x for x in snr_values)

print("Kodak PSNR (dB) per training seed, %s steps each, channel seed 1. Last column: mean PSNR on the first"
      " 24 BSDS500 test images (held out from training) at %s dB.\n" % (steps, "/".join(validation_snrs)))
print("| codec | seed | %s | BSDS500 test |" % header)
print("|---|---|" + "---|" * (len(snr_values) + 1))
for a in names:
    for s in seeds:
        cells = " | ".join("%.2f" % kodak[a][s][x]["psnr"] for x in snr_values)
        print("| %s | %d | %s | %s |" % (names[a], s, cells, cell(mean_psnr(validation[a][s]))))

print("\nMean over the %d seeds (median) [lowest, highest], PSNR (dB):\n" % len(seeds))
print("| codec | %s | BSDS500 test |" % header)
print("|---|" + "---|" * (len(snr_values) + 1))
for a in names:
    cells = []
    for x in snr_values:
        p = [kodak[a][s][x]["psnr"] for s in seeds]
        cells.append("%.2f (%.2f) [%.2f, %.2f]" % (statistics.mean(p), statistics.median(p), min(p), max(p)))
    v = [mean_psnr(validation[a][s]) for s in seeds]
    cells.append("%s (%s)" % (cell(statistics.mean(v)), cell(statistics.median(v))))
    print("| %s | %s |" % (names[a], " | ".join(cells)))

if "admoe_swinjscc" in names and "swinjscc" in names:
    print("\nAD-MoE minus SwinJSCC trained from the same seed (dB):\n")
    print("| seed | %s | BSDS500 test |" % header)
    print("|---|" + "---|" * (len(snr_values) + 1))
    ahead = 0
    for s in seeds:
        d = [kodak["admoe_swinjscc"][s][x]["psnr"] - kodak["swinjscc"][s][x]["psnr"] for x in snr_values]
        ahead += all(e > 0 for e in d)
        v = mean_psnr(validation["admoe_swinjscc"][s]) - mean_psnr(validation["swinjscc"][s])
        print("| %d | %s | %s |" % (s, " | ".join("%+.2f" % e for e in d), cell(v, "%+.2f")))
    print("\nAD-MoE ahead of SwinJSCC on Kodak at every SNR for %d of %d seeds." % (ahead, len(seeds)))
    print("AD-MoE routed experts per token on Kodak (seed: lowest-highest over the SNRs): " + "; ".join(
        "%d: %.2f-%.2f" % (s, min(r["mean_active_experts"] for r in kodak["admoe_swinjscc"][s].values()),
                           max(r["mean_active_experts"] for r in kodak["admoe_swinjscc"][s].values())) for s in seeds))
EOF
