#!/usr/bin/env bash
# How much each codec's decoder draws on the CSI: Kodak PSNR with the
# measured per-stream SNR, with the nominal SNR on every stream, and with the
# streams' SNRs swapped (jscc-eval --decoder-csi), over the same channel
# draws. Prints a Markdown table; the evaluations are kept beside each
# manifest (MANIFEST minus .json, plus .csi-MODE.json) and not run again.
#
#   jscc/scripts/jscc_csi_ablation.sh BUILD_DIR MANIFEST...
#   e.g. jscc/scripts/jscc_csi_ablation.sh build jscc/weights/admoe_swinjscc_mimo2x2_r16.json
# SNRS overrides the SNRs (default "1 7 13").
set -euo pipefail
build="${1:?usage: $0 BUILD_DIR MANIFEST...}"
shift
[[ $# -gt 0 ]] || { echo "usage: $0 BUILD_DIR MANIFEST..." >&2; exit 1; }
[[ -x "$build/bin/jscc-eval" ]] || { echo "no $build/bin/jscc-eval: build first (./testbed build)" >&2; exit 1; }
read -r -a snrs <<<"${SNRS:-1 7 13}"
modes=(measured nominal swapped)

for manifest in "$@"; do
  for mode in "${modes[@]}"; do
    out="${manifest%.json}.csi-$mode.json"
    [[ -f "$out" ]] && continue
    echo "evaluating $manifest with $mode CSI" >&2
    "$build/bin/jscc-eval" --models "$manifest" --snr "${snrs[@]}" --seed 1 --json --no-plots --no-reconstructions \
      --decoder-csi "$mode" --threads 1 --out "${manifest%.json}.eval" >"$out.tmp"
    mv "$out.tmp" "$out"
  done
done

/usr/bin/python3 - "${snrs[*]}" "$@" <<'PY'
import json, os, sys
snrs = [float(s) for s in sys.argv[1].split()]
print("| model | SNR (dB) | measured | nominal | swapped | measured - nominal | measured - swapped |")
print("|---|---|---|---|---|---|---|")
for manifest in sys.argv[2:]:
    psnr = {}
    for mode in ("measured", "nominal", "swapped"):
        with open(manifest[: -len(".json")] + f".csi-{mode}.json") as f:
            psnr[mode] = {row["snr_db"]: row["psnr"] for row in json.load(f)["rows"]}
    name = os.path.basename(manifest)[: -len(".json")]
    for snr in snrs:
        m, n, s = (psnr[mode][snr] for mode in ("measured", "nominal", "swapped"))
        print(f"| {name} | {snr:g} | {m:.2f} | {n:.2f} | {s:.2f} | {m - n:+.2f} | {m - s:+.2f} |")
PY
