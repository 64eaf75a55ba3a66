#!/usr/bin/env bash
# First light of the CUDA backend on a lent GPU machine: every check of the first GPU run, in one
# command, each step under its own time limit and all of them under one budget, logs under $OUT.
#
# On the GPU machine (through the device tool's `run`, carry [".device"]; see README "Running on a lent
# GPU machine" for building the jar and packing .device first):
#   bash tools/gpu/first-light.sh                  # every step, budget 510 s (run with timeout_s 540)
#   bash tools/gpu/first-light.sh bench port       # only the named steps (a rerun after a fix)
# Here, without a GPU, to check the script and every command line it runs:
#   FIRST_LIGHT_REHEARSAL=cpu OUT=/tmp/fl bash tools/gpu/first-light.sh
#   (CPU backend, a tiny model, 2 training steps; selftest reports that CUDA is not usable; no port;
#   FIRST_LIGHT_PACKED=1 runs the packed .device runtime and jar instead of this machine's java)
#
# Steps, in the order of the issue (name: what, time limit in seconds):
#   info        info --verbose                                              30
#   selftest    selftest --backend cuda --quick (fp32), --verbose, with
#               PCE_GPU_DEBUG=1 (cuDNN/cuBLAS API logs, loader log)         90
#   selftest32  selftest --backend cuda --precision tf32 --quick           70
#   bench       bench --config D --backend cuda --json, tf32 then fp32     2 x 70
#   train       train 50 steps of the default model (5/160/10) at batch 16
#               per replica on a synthetic 32x32x3 data set (numpy, made
#               there), 1 replica                                           100
#   train2      the same with 2 replicas (--nr_gpu 2) on the one GPU       100
#   eval        eval of the 1-replica checkpoint (Polyak averages)          45
#   sample      sample --count 16 from it                                   70
#   port        the PyTorch port's training step (tools/peer/bench_port_gpu.py,
#               the machine's CUDA torch, PCNNPP_DIR=.device/port), tf32
#               then fp32, D at batch 16                                   2 x 45
#   batch       largest batch that fits: bench --steps 1 at growing batches
#               until the memory plan refuses one (its one-line message)   90, only if the budget allows
#   fullself    selftest --backend cuda (full, fp32)                       150, only if the budget allows
# A step starts only if the budget has room for its limit (optional ones) or for 20 s (the others, which
# then get what is left). Ends with a summary of the figures the closing note needs.
#
# What comes back ($OUT, at most 8 files): summary.txt, logs.tgz (every log, the sample grid, the
# debug logs), and for reading at once selftest-fp32.log, selftest-tf32.log, bench.log, train.log, port.log.
# Every step updates them, so a run stopped at its limit still returns what it did.
#
# Environment: FIRST_LIGHT_BUDGET (seconds, default 510), FIRST_LIGHT_REHEARSAL=cpu (see above),
# PIXELCNN_JAR (default .device/pixelcnn-engine.jar, or target/pixelcnn-engine.jar in a rehearsal),
# PCNNPP_DIR (default .device/port).
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
t0=$(date +%s)
budget=${FIRST_LIGHT_BUDGET:-510}
rehearsal=${FIRST_LIGHT_REHEARSAL:-}
all_steps="info selftest selftest32 bench train train2 eval sample port batch fullself"
steps=${*:-$all_steps}
for s in $steps; do   # a typo in a rerun must not cost GPU time
  [[ " $all_steps " == *" $s "* ]] || { echo "first-light: unknown step '$s' (steps: $all_steps)" >&2; exit 2; }
done
OUT=${OUT:-$repo/target/first-light}
mkdir -p "$OUT"
logs=$(mktemp -d "${TMPDIR:-/tmp}/first-light.XXXXXX")
work=$(mktemp -d "${TMPDIR:-/tmp}/first-light-work.XXXXXX")
summary=$logs/summary.txt

if [[ $rehearsal == cpu ]]; then
  jar=${PIXELCNN_JAR:-target/pixelcnn-engine.jar}
  java=(java)                                       # this machine's own java
  if [[ ${FIRST_LIGHT_PACKED:-0} == 1 ]]; then      # or the packed .device: its jlinked runtime and jar
    jar=.device/pixelcnn-engine.jar; java=(bash .device/gpu-run.sh java)
  fi
  backend=cpu; model=(--nr_resnet 1 --nr_filters 8 --nr_logistic_mix 2); max_steps=2
  bench_cfg=(--config S); bench_steps=(--steps 1 --warmup 0); batch_tries=1
  n_train=40; n_test=8; batch=2
else
  jar=${PIXELCNN_JAR:-.device/pixelcnn-engine.jar}
  java=(bash .device/gpu-run.sh java)               # the carried Java runtime, the CUDA libraries on LD_LIBRARY_PATH
  backend=cuda; model=(--nr_resnet 5 --nr_filters 160 --nr_logistic_mix 10); max_steps=50
  bench_cfg=(--config D); bench_steps=(); batch_tries=6
  n_train=1600; n_test=64; batch=16                 # 1600 = 50 steps x 2 replicas x 16: one epoch either way
fi
export PCNNPP_DIR=${PCNNPP_DIR:-$repo/.device/port}

elapsed() { echo $(( $(date +%s) - t0 )); }
note() { echo "[first-light $(elapsed)s] $*" | tee -a "$logs/steps.log"; }

# Copies what comes back into $OUT (at most 8 files, no sub-folders): the summary, the five logs to read
# at once, and everything in one archive. Called after every step.
collect() {
  cp -f "$summary" "$OUT/summary.txt" 2>/dev/null
  for f in selftest-fp32.log selftest-tf32.log bench.log train.log port.log; do
    [[ -f $logs/$f ]] && cp -f "$logs/$f" "$OUT/$f"
  done
  tar czf "$OUT/logs.tgz.part" -C "$logs" . 2>/dev/null && mv -f "$OUT/logs.tgz.part" "$OUT/logs.tgz"
}

# step NAME LIMIT OPTIONAL(0|1) LOG -- COMMAND...: runs COMMAND under min(LIMIT, what the budget has left),
# output appended to $logs/LOG; records the exit status and time in steps.log.
step() {
  local name=$1 limit=$2 optional=$3 log=$4; shift 5
  local left=$(( budget - $(elapsed) - 10 ))
  if (( optional && left < limit )); then note "$name: skipped, ${left}s of the budget left < ${limit}s"; return 0; fi
  if (( left < 20 )); then note "$name: skipped, budget spent (${left}s left)"; return 0; fi
  (( limit > left )) && limit=$left
  note "$name: start (limit ${limit}s): $*"
  local s=$(date +%s)
  { echo "### $name: $*"; timeout --kill-after=5 "$limit" "$@"; echo "### $name: exit $? after $(( $(date +%s) - s ))s"; } >>"$logs/$log" 2>&1
  local rc
  rc=$(tail -1 "$logs/$log" | sed -n 's/^### .*: exit \([0-9]*\) after.*/\1/p')
  note "$name: exit ${rc:-?} after $(( $(date +%s) - s ))s$([[ ${rc:-1} == 124 ]] && echo ' (TIME LIMIT)')"
  summarise
  collect
  return 0
}

wants() { [[ " $steps " == *" $1 "* ]]; }

# The synthetic small data set: imgnet_32x32.npz (trainx, testx: uint8 N x 32 x 32 x 3), smooth colour
# gradients with a few discs, made with numpy where it runs (no download, nothing carried).
make_data() {
  mkdir -p "$work/data"
  python3 - "$work/data/imgnet_32x32.npz" "$n_train" "$n_test" <<'EOF'
import sys, numpy as np
path, n_train, n_test = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = np.random.default_rng(1)
def images(n):
    y, x = np.mgrid[0:32, 0:32].astype(np.float32) / 31
    out = np.empty((n, 32, 32, 3), np.uint8)
    for i in range(n):
        a = rng.uniform(0, 1, (3, 3))
        img = np.stack([a[c, 0] * x + a[c, 1] * y + a[c, 2] * (1 - x) * y for c in range(3)], -1)
        for _ in range(rng.integers(1, 4)):
            cy, cx, r = rng.uniform(4, 28, 2).tolist() + [rng.uniform(3, 9)]
            img[(y * 31 - cy) ** 2 + (x * 31 - cx) ** 2 < r * r] = rng.uniform(0, 1, 3)
        out[i] = np.clip(img * 255 + rng.normal(0, 4, img.shape), 0, 255).astype(np.uint8)
    return out
np.savez(path, trainx=images(n_train), testx=images(n_test))
print(f"{path}: {n_train} train and {n_test} test images of 32x32x3")
EOF
}

# The figures the closing note needs, from the logs (python3 with json; rewritten after every step).
summarise() {
  if ! command -v python3 >/dev/null; then echo "first light: $(elapsed)s of a ${budget}s budget (no python3 here for the summary: see the logs)" >"$summary"; return; fi
  python3 - "$logs" "$budget" "$(elapsed)" "$batch" >"$summary" 2>&1 <<'EOF'
import json, os, re, sys
logs, budget, elapsed, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
def read(name):
    p = os.path.join(logs, name)
    return open(p, errors="replace").read() if os.path.exists(p) else ""
def jsons(text):
    out, depth, start = [], 0, None
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0: start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                try: out.append(json.loads(text[start:i + 1]))
                except ValueError: pass
    return out
print(f"first light: {elapsed}s of a {budget}s budget")
for line in read("steps.log").splitlines():
    if ": exit " in line or "skipped" in line: print("  " + line)
for name, label in (("selftest-fp32.log", "selftest fp32 --quick"), ("selftest-tf32.log", "selftest tf32 --quick"), ("selftest-full.log", "selftest fp32 full")):
    t = read(name)
    if not t: continue
    fails = [l for l in t.splitlines() if " FAIL" in l or l.startswith("selftest: stopped")]
    last = [l for l in t.splitlines() if l.startswith(("selftest: PASS", "selftest: FAIL", "selftest: CUDA not usable"))]
    worst = max((float(m.group(1)) for m in re.finditer(r" err (\d\.\d+e[-+]\d+) ", t)), default=float("nan"))
    print(f"{label}: {last[-1] if last else 'no verdict'}; largest error {worst:.2e}; {len(fails)} failing lines")
    for l in fails[:12]: print("    " + l)
ours = {j.get("precision") or "cpu": j for j in jsons(read("bench.log")) if "train_images_per_s" in j and j.get("batch") == batch}
port = {("tf32" if j.get("tf32") else "fp32"): j for j in jsons(read("port.log")) if "train_images_per_s" in j}
for p in ("tf32", "fp32", "cpu"):
    o, q = ours.get(p), port.get(p)
    if o:
        frac = o.get("train_fraction_of_peak")
        print(f"ours {p}: train {o['train_images_per_s']:.1f} images/s (step {o['step_seconds_median']*1e3:.1f} ms), sample "
              f"{o['sample_images_per_s']:.3f} images/s (cached; naive {o.get('sample_naive_images_per_s', float('nan')):.4f}, "
              f"cached / naive {o.get('sample_cached_over_naive', float('nan')):.1f}), {o['train_gflop_per_s']/1e3:.1f} TFLOP/s"
              + (f" = {frac:.3f} of the {o['peak_tflop_per_s']:.1f} TFLOP/s dense {p} peak" if frac is not None else "")
              + (f", arena peak {o['arena_peak_bytes']/2**30:.2f} GiB of {o['arena_bytes']/2**30:.2f} GiB" if o.get("arena_peak_bytes") else ""))
    if q:
        print(f"port {p}: train {q['train_images_per_s']:.1f} images/s (step {q['train_step_s_median']*1e3:.1f} ms), peak {q['peak_mem_gib']:.2f} GiB, torch {q['torch']}")
    if o and q:
        print(f"ratio {p}: ours / port = {o['train_images_per_s'] / q['train_images_per_s']:.2f} (goal >= 2)")
for name in ("train.log", "train2.log"):
    t = read(name)
    for l in t.splitlines():
        if re.search(r"device memory peak|^Iteration |^done:|^cuda: |out of memory|^error", l): print(f"{name}: {l}")
for name in ("eval.log", "sample.log", "batch.log"):
    for l in read(name).splitlines():
        if re.search(r"test bits/dim|^sampled |out of memory|^error|largest batch|train_images_per_s", l): print(f"{name}: {l.strip()}")
EOF
}

note "steps: $steps; budget ${budget}s; jar $jar; backend $backend; logs $logs"
{ echo "### environment"; uname -a; nvidia-smi 2>&1 | head -15; echo "java: $jar"; ls -la .device 2>/dev/null; } >"$logs/env.log" 2>&1
if [[ ! -f $jar ]]; then
  note "no jar at $jar (build it and pack .device first; README 'Running on a lent GPU machine')"
  summarise; collect; rm -rf "$work" "$logs"; exit 2
fi

wants info && step info 30 0 info.log -- "${java[@]}" -jar "$jar" info --verbose

if wants selftest; then
  mkdir -p "$logs/debug-selftest"   # gpu-run.sh's PCE_GPU_DEBUG logs (cuDNN, cuBLAS, JVM crash files) go to its $OUT
  step selftest 90 0 selftest-fp32.log -- env OUT="$logs/debug-selftest" PCE_GPU_DEBUG=1 "${java[@]}" -jar "$jar" selftest --backend cuda --quick --verbose
fi
wants selftest32 && step selftest32 70 0 selftest-tf32.log -- "${java[@]}" -jar "$jar" selftest --backend cuda --precision tf32 --quick --verbose

if wants bench; then
  step bench-tf32 70 0 bench.log -- "${java[@]}" -jar "$jar" bench "${bench_cfg[@]}" --batch "$batch" "${bench_steps[@]}" --backend "$backend" --precision tf32 --json
  step bench-fp32 70 0 bench.log -- "${java[@]}" -jar "$jar" bench "${bench_cfg[@]}" --batch "$batch" "${bench_steps[@]}" --backend "$backend" --precision fp32 --json
fi

if wants train || wants train2 || wants eval || wants sample; then make_data >"$logs/data.log" 2>&1 || note "data: could not make the data set (see data.log)"; fi
train_args=(--data_set imagenet32 --data_dir "$work/data" "${model[@]}" --batch_size "$batch" --init_batch_size "$batch"
            --max_steps "$max_steps" --log_every 10 --save_interval 1000 --polyak_decay 0.995 --backend "$backend" --progress off --no_download --verbose)
wants train && step train 100 0 train.log -- "${java[@]}" -jar "$jar" train "${train_args[@]}" --save_dir "$work/save1" --nr_gpu 1
wants train2 && step train2 100 0 train2.log -- "${java[@]}" -jar "$jar" train "${train_args[@]}" --save_dir "$work/save2" --nr_gpu 2
wants eval && step eval 45 0 eval.log -- "${java[@]}" -jar "$jar" eval --checkpoint "$work/save1" --data_dir "$work/data" --backend "$backend" --verbose
wants sample && step sample 70 0 sample.log -- "${java[@]}" -jar "$jar" sample --checkpoint "$work/save1" --count 16 --out "$logs/sample16.png" \
  --backend "$backend" --progress off --verbose

if wants port; then
  if [[ $rehearsal == cpu ]]; then note "port: skipped in a CPU rehearsal (bench_port_gpu.py needs a CUDA torch)"
  elif [[ ! -f $PCNNPP_DIR/model.py ]]; then note "port: skipped, no port files in $PCNNPP_DIR (pack them into .device/port)"
  else
    for tf in 1 0; do
      step "port-tf$tf" 45 0 port.log -- env PYTHONUNBUFFERED=1 python3 tools/peer/bench_port_gpu.py --config D --batch 16 --tf32 "$tf" --steps 20 --warmup 5
    done
  fi
fi

if wants batch; then
  # Batches doubled from 32 until the memory plan refuses one, then halfway steps between the last that ran
  # and the first refused; each try one bench step (its arena peak shows in the JSON).
  lo=$batch hi=0 b=$(( batch * 2 ))
  for (( i = 0; i < batch_tries; i++ )); do
    step "batch-$b" 45 1 batch.log -- "${java[@]}" -jar "$jar" bench "${bench_cfg[@]}" --batch "$b" --steps 1 --warmup 0 --backend "$backend" --json
    rc=$(grep -E "^### batch-$b: exit" "$logs/batch.log" | tail -1 | sed 's/.*exit \([0-9]*\).*/\1/')
    [[ -z $rc ]] && break                              # skipped: no budget left
    if [[ $rc == 0 ]]; then lo=$b; else hi=$b; fi
    if (( hi == 0 )); then b=$(( b * 2 )); else b=$(( (lo + hi) / 2 / 8 * 8 )); fi
    (( hi > 0 && hi - lo <= 16 )) && break
  done
  echo "largest batch that ran: $lo (first refused: $( ((hi)) && echo "$hi" || echo none))" >>"$logs/batch.log"
  summarise; collect
fi

wants fullself && step fullself 150 1 selftest-full.log -- "${java[@]}" -jar "$jar" selftest --backend cuda

note "done"
summarise
collect
cat "$summary"
rm -rf "$work" "$logs"
