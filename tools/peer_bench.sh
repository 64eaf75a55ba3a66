#!/usr/bin/env bash
# Our engine against the PyTorch port of PixelCNN++ (pclucas14/pixel-cnn-pp, the speed peer) on the
# same configuration and machine, alternating the two sides for several rounds: each round runs our
# `bench --config X --json`, right after it the port's benchmark (tools/peer/bench_port.py on the CPU,
# bench_port_gpu.py on a GPU; both time the median training step and eval forward pass); then the
# per-round ratios (ours / port's) and their median, min and max. These machines are noisy: a single
# pair of runs is not a figure, the median ratio over rounds is.
#
# Usage: tools/peer_bench.sh [--config S|S1|M|D] [--backend auto|cpu|cuda] [--rounds R] [--steps N]
#                            [--warmup W] [--batch B (GPU only)] [--precision tf32|fp32] [--threads T]
# Environment:
#   PCNNPP_DIR    folder with the port's unmodified model.py, layers.py, utils.py, main.py (required;
#                 never vendored: `git archive HEAD model.py layers.py utils.py main.py | tar -x -C "$PCNNPP_DIR"`)
#   PEER_SCRIPTS  the folder of bench_port.py, bench_port_gpu.py, port_loader.py (default <repository>/tools/peer)
#   PYTHON        a Python 3 with torch and numpy (default /usr/bin/python3, Debian's python3-torch)
#   PIXELCNN_JAR  our jar (default <repository>/target/pixelcnn-engine.jar)
#   PEER_BENCH_OUT folder for the two JSON results and logs (default: a new temporary folder)
# Exit: 0 done; 2 something missing or a bad argument (every missing piece is listed); 1 a benchmark failed.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

config=S backend=auto rounds=3 steps="" warmup="" batch="" precision=tf32 threads=""
usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --config) config=${2:?}; shift 2 ;;
    --backend) backend=${2:?}; shift 2 ;;
    --rounds) rounds=${2:?}; shift 2 ;;
    --steps) steps=${2:?}; shift 2 ;;
    --warmup) warmup=${2:?}; shift 2 ;;
    --batch) batch=${2:?}; shift 2 ;;
    --precision) precision=${2:?}; shift 2 ;;
    --threads) threads=${2:?}; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "peer_bench: unknown argument '$1' (--help lists them)" >&2; exit 2 ;;
  esac
done
config=$(tr '[:lower:]' '[:upper:]' <<<"$config")
case "$config" in S|S1|M|D) ;; *) echo "peer_bench: --config must be S, S1, M or D, not '$config'" >&2; exit 2 ;; esac
case "$precision" in tf32|fp32) ;; *) echo "peer_bench: --precision must be tf32 or fp32, not '$precision'" >&2; exit 2 ;; esac
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "peer_bench: --rounds must be a positive integer, not '$rounds'" >&2; exit 2; }

peers=${PEER_SCRIPTS:-$repo/tools/peer}
py=${PYTHON:-$( [[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || command -v python3 || echo python3)}
jar=${PIXELCNN_JAR:-$repo/target/pixelcnn-engine.jar}

# ---------------------------------------------------------------- what is missing, all at once
missing=()
command -v java >/dev/null 2>&1 || missing+=("java: not on PATH (install a JDK 17)")
[[ -s "$jar" ]] || missing+=("our jar: $jar does not exist (build it: mvn -DskipTests package; or set PIXELCNN_JAR)")
if [[ ! -f "$peers/bench_port.py" || ! -f "$peers/bench_port_gpu.py" || ! -f "$peers/port_loader.py" ]]; then
  missing+=("the peer scripts: $peers/{bench_port.py,bench_port_gpu.py,port_loader.py} not found (set PEER_SCRIPTS to their folder)")
fi
if [[ -z "${PCNNPP_DIR:-}" ]]; then
  missing+=("PCNNPP_DIR is not set: point it at a copy of the port's model.py, layers.py, utils.py (git archive of github.com/pclucas14/pixel-cnn-pp; see the README, Performance)")
else
  for f in model.py layers.py utils.py; do
    [[ -f "$PCNNPP_DIR/$f" ]] || missing+=("PCNNPP_DIR=$PCNNPP_DIR has no $f (copy the port's files there; see the README, Performance)")
  done
fi
if ! command -v "$py" >/dev/null 2>&1; then
  missing+=("python: '$py' not found (apt-get install -y python3-torch python3-numpy; or set PYTHON)")
elif ! torch_version=$("$py" -c 'import torch, numpy; print(torch.__version__)' 2>/dev/null); then
  missing+=("torch: '$py' cannot import torch and numpy (apt-get install -y python3-torch python3-numpy; or set PYTHON to a Python that has them)")
fi
if ((${#missing[@]})); then
  echo "peer_bench: cannot compare, missing:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  exit 2
fi

out=${PEER_BENCH_OUT:-$(mktemp -d /tmp/peer_bench.XXXXXX)}
mkdir -p "$out" || { echo "peer_bench: cannot create $out" >&2; exit 2; }

# ---------------------------------------------------------------- rounds: ours, then the port
export PCNNPP_DIR
one_round() { # $1 = round number
  local r=$1 rc
  args=(bench --config "$config" --backend "$backend" --precision "$precision" --json)
  [[ -n "$steps" ]] && args+=(--steps "$steps")
  [[ -n "$warmup" ]] && args+=(--warmup "$warmup")
  [[ -n "$batch" ]] && args+=(--batch "$batch")
  echo "peer_bench: ours: java -jar $jar ${args[*]}" >&2
  java -jar "$jar" "${args[@]}" > "$out/ours$r.json" 2> "$out/ours$r.log"
  rc=$?
  if ((rc == 2)); then cat "$out/ours$r.log" >&2; return 2; fi
  if ((rc != 0)); then tail -20 "$out/ours$r.log" >&2; echo "peer_bench: our bench failed (exit $rc; log $out/ours$r.log)" >&2; return 1; fi
  read -r ours_backend ours_batch < <("$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["backend"], j["batch"])' "$out/ours$r.json") \
    || { echo "peer_bench: $out/ours$r.json is not our bench's JSON" >&2; return 1; }

  # the port, right after
  if [[ "$ours_backend" == cpu ]]; then
    # bench_port.py has a fixed batch per config (S, S1: 16, M: 8, D: 2), the same as our CPU defaults.
    if [[ -n "$batch" ]]; then
      echo "peer_bench: --batch is for GPUs only: on the CPU the port's script runs each config at its own batch (ours ran $ours_batch)" >&2
      return 2
    fi
    port=("$py" -W ignore "$peers/bench_port.py" "$config" --steps "${steps:-10}" --warmup "${warmup:-2}"
          --threads "${threads:-$(nproc)}" --json "$out/port$r.json")
  else
    if ! "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
      echo "peer_bench: we ran on $ours_backend, but '$py' has a torch without CUDA (torch $torch_version): set PYTHON to a CUDA torch" >&2
      return 2
    fi
    port=("$py" -W ignore "$peers/bench_port_gpu.py" --config "$config" --batch "$ours_batch" --tf32 "$([[ $precision == tf32 ]] && echo 1 || echo 0)"
          --steps "${steps:-20}" --warmup "${warmup:-5}" --json "$out/port$r.json")
  fi
  echo "peer_bench: port: ${port[*]}" >&2
  "${port[@]}" > "$out/port$r.log" 2>&1
  rc=$?
  if ((rc != 0)); then tail -20 "$out/port$r.log" >&2; echo "peer_bench: the port's benchmark failed (exit $rc; log $out/port$r.log)" >&2; return 1; fi
}
for ((k = 1; k <= rounds; k++)); do
  echo "peer_bench: round $k of $rounds" >&2
  one_round "$k"; rc=$?
  ((rc == 0)) || exit $rc
done

# ---------------------------------------------------------------- the table
"$py" - "$out" "$rounds" "$torch_version" <<'PY'
import json, statistics, sys
out, rounds, torch_version = sys.argv[1], int(sys.argv[2]), sys.argv[3]
pairs = [(json.load(open("%s/ours%d.json" % (out, k))), json.load(open("%s/port%d.json" % (out, k)))) for k in range(1, rounds + 1)]
ours, port = pairs[0]
if ours["batch"] != port["batch"]:
    sys.exit("peer_bench: batch differs: ours %s, port %s" % (ours["batch"], port["batch"]))
where = ours["backend"] + ((" (%s, %s)" % (ours["device"], ours["precision"])) if ours.get("device") else
                           " (ours %s threads, port %s)" % (ours.get("cpu_threads"), port.get("num_threads")))
print("peer_bench: config %s (%s, nr_resnet %d, nr_filters %d, nr_logistic_mix %d), batch %d, %s; torch %s; %d rounds"
      % (ours["config"], ours["image"], ours["nr_resnet"], ours["nr_filters"], ours["nr_logistic_mix"], ours["batch"],
         where, torch_version, rounds))
fwd = lambda o: o["batch"] / o["forward_seconds_median"]
train_r, fwd_r = [], []
print("%-6s %12s %12s %10s %14s %14s %10s" % ("round", "ours train", "port train", "ratio", "ours forward", "port forward", "ratio"))
for k, (o, p) in enumerate(pairs, 1):
    tr = o["train_images_per_s"] / p["train_images_per_s"]
    pf = p.get("forward_eval_images_per_s")
    fr = fwd(o) / pf if pf and pf == pf else float("nan")
    train_r.append(tr); fwd_r.append(fr)
    print("%-6d %12.3f %12.3f %10.2f %14.3f %14.3f %10.2f" % (k, o["train_images_per_s"], p["train_images_per_s"], tr, fwd(o), pf or float("nan"), fr))
fr_ok = [v for v in fwd_r if v == v]
print("train images/s, ours / port: median %.2f (min %.2f, max %.2f)" % (statistics.median(train_r), min(train_r), max(train_r)))
if fr_ok:
    print("forward images/s (eval), ours / port: median %.2f (min %.2f, max %.2f)" % (statistics.median(fr_ok), min(fr_ok), max(fr_ok)))
if ours.get("train_fraction_of_gemm_peak") is not None:
    print("ours: training at %.2f of this machine's SGEMM peak (%.1f GFLOP/s)" % (ours["train_fraction_of_gemm_peak"], ours.get("gemm_peak_gflops", float("nan"))))
if "params" in port and port["params"] != ours["params"]:
    print("note: parameter counts differ: ours %d, port %d" % (ours["params"], port["params"]))
if "peak_mem_gib" in port:
    arena = ours.get("arena_peak_bytes")
    print("memory: port peak %.2f GiB; ours arena peak %s" % (port["peak_mem_gib"], "%.2f GiB" % (arena / 2**30) if arena else "n/a"))
print("(medians of each side's timed steps; the port's CPU script keeps only steps during which the machine was otherwise idle)")
PY
rc=$?
echo "peer_bench: results in $out (ours<k>.json, port<k>.json and their logs per round)" >&2
exit $rc
