# The shipped image-codec training recipe and Kodak evaluation, shared by the
# study scripts (sourced, not run). The README's training budget is this
# recipe at 800 steps.

jscc_bsds500="${BSDS500:-../shared/data/bsds500}"  # training images in train/, held-out ones in test/
jscc_kodak_snrs=(1 4 7 10 13)                        # the README's SNRs (dB)

# jscc_train BUILD_DIR ARCHITECTURE SEED STEPS CHECKPOINT_DIR OUTPUT_PREFIX [EXTRA jscc-train ARGS...]
# Resumes from CHECKPOINT_DIR when it holds a checkpoint of the same codec.
jscc_train() {
  local build="$1" architecture="$2" seed="$3" steps="$4" checkpoint="$5" output="$6"
  shift 6
  # Two at a time would halve the time on two cores; one thread keeps the
  # timings in the manifests comparable.
  "$build/bin/jscc-train" --images "$jscc_bsds500/train" --architecture "$architecture" \
    --steps "$steps" --batch 8 --crop 128 --lr 5e-4 --seed "$seed" --threads 1 --checkpoint "$checkpoint" \
    --no-progress --output "$output" "$@" >&2
}

# jscc_eval_kodak BUILD_DIR MANIFEST OUT_JSON: the 24 Kodak images at
# jscc_kodak_snrs, channel seed 1, the JSON rows in OUT_JSON (written whole or
# not at all).
jscc_eval_kodak() {
  local build="$1" manifest="$2" out="$3"
  "$build/bin/jscc-eval" --models "$manifest" --snr "${jscc_kodak_snrs[@]}" --seed 1 --json --no-plots \
    --no-reconstructions --out "${manifest%.json}.eval" >"$out.tmp"
  mv "$out.tmp" "$out"
}
