#!/usr/bin/env bash
# Our engine against the PyTorch port of PixelCNN++ (pclucas14/pixel-cnn-pp, the speed peer; see
# shared/peers/README.md) on the same configuration, back to back on this machine: first our
# `bench --config X --json`, right after it the port's benchmark script (bench_port.py on the CPU,
# bench_port_gpu.py on a GPU), then both training figures and their ratio (ours / port's) as a table.
#
# Usage: tools/peer_bench.sh [--config S|S1|M|D] [--backend auto|cpu|cuda] [--steps N] [--warmup W]
#                            [--batch B (GPU only)] [--precision tf32|fp32] [--threads T (CPU port)]
# Environment:
#   PCNNPP_DIR    folder with the port's unmodified model.py, layers.py, utils.py, main.py (required;
#                 never vendored: `git archive HEAD model.py layers.py utils.py main.py | tar -x -C "$PCNNPP_DIR"`)
#   PCNN_SHARED   the shared/ folder holding peers/bench_port*.py (default: <repository>/../shared)
#   PYTHON        a Python 3 with torch and numpy (default /usr/bin/python3, Debian's python3-torch)
#   PIXELCNN_JAR  our jar (default <repository>/target/pixelcnn-engine.jar)
#   PEER_BENCH_OUT folder for the two JSON results and logs (default: a new temporary folder)
# Exit: 0 done; 2 something missing or a bad argument (every missing piece is listed); 1 a benchmark failed.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

config=S backend=auto steps="" warmup="" batch="" precision=tf32 threads=""
usage() { sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; }
while (($#)); do
  case "$1" in
    --config) config=${2:?}; shift 2 ;;
    --backend) backend=${2:?}; shift 2 ;;
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

shared=${PCNN_SHARED:-$repo/../shared}
peers=$shared/peers
py=${PYTHON:-$( [[ -x /usr/bin/python3 ]] && echo /usr/bin/python3 || command -v python3 || echo python3)}
jar=${PIXELCNN_JAR:-$repo/target/pixelcnn-engine.jar}

# ---------------------------------------------------------------- what is missing, all at once
missing=()
command -v java >/dev/null 2>&1 || missing+=("java: not on PATH (install a JDK 17)")
[[ -s "$jar" ]] || missing+=("our jar: $jar does not exist (build it: mvn -DskipTests package; or set PIXELCNN_JAR)")
if [[ ! -f "$peers/bench_port.py" || ! -f "$peers/bench_port_gpu.py" || ! -f "$peers/port_loader.py" ]]; then
  missing+=("the peer scripts: $peers/{bench_port.py,bench_port_gpu.py,port_loader.py} not found (set PCNN_SHARED to the shared/ folder)")
fi
if [[ -z "${PCNNPP_DIR:-}" ]]; then
  missing+=("PCNNPP_DIR is not set: point it at a copy of the port's model.py, layers.py, utils.py (git archive of github.com/pclucas14/pixel-cnn-pp; see $peers/README.md)")
else
  for f in model.py layers.py utils.py; do
    [[ -f "$PCNNPP_DIR/$f" ]] || missing+=("PCNNPP_DIR=$PCNNPP_DIR has no $f (copy the port's files there; see $peers/README.md)")
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

# ---------------------------------------------------------------- ours
args=(bench --config "$config" --backend "$backend" --precision "$precision" --json)
[[ -n "$steps" ]] && args+=(--steps "$steps")
[[ -n "$warmup" ]] && args+=(--warmup "$warmup")
[[ -n "$batch" ]] && args+=(--batch "$batch")
echo "peer_bench: ours: java -jar $jar ${args[*]}" >&2
java -jar "$jar" "${args[@]}" > "$out/ours.json" 2> "$out/ours.log"
rc=$?
if ((rc == 2)); then cat "$out/ours.log" >&2; exit 2; fi
if ((rc != 0)); then tail -20 "$out/ours.log" >&2; echo "peer_bench: our bench failed (exit $rc; log $out/ours.log)" >&2; exit 1; fi
read -r ours_backend ours_batch < <("$py" -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["backend"], j["batch"])' "$out/ours.json") \
  || { echo "peer_bench: $out/ours.json is not our bench's JSON" >&2; exit 1; }

# ---------------------------------------------------------------- the port, right after
export PCNNPP_DIR
if [[ "$ours_backend" == cpu ]]; then
  # bench_port.py has a fixed batch per config (S, S1: 16, M: 8, D: 2), the same as our CPU defaults.
  if [[ -n "$batch" ]]; then
    echo "peer_bench: --batch is for GPUs only: on the CPU the port's script runs each config at its own batch (ours ran $ours_batch)" >&2
    exit 2
  fi
  port=("$py" -W ignore "$peers/bench_port.py" "$config" --steps "${steps:-10}" --warmup "${warmup:-2}"
        --threads "${threads:-$(nproc)}" --json "$out/port.json")
else
  if ! "$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
    echo "peer_bench: we ran on $ours_backend, but '$py' has a torch without CUDA (torch $torch_version): set PYTHON to a CUDA torch" >&2
    exit 2
  fi
  port=("$py" -W ignore "$peers/bench_port_gpu.py" --config "$config" --batch "$ours_batch" --tf32 "$([[ $precision == tf32 ]] && echo 1 || echo 0)"
        --steps "${steps:-20}" --warmup "${warmup:-5}" --json "$out/port.json")
fi
echo "peer_bench: port: ${port[*]}" >&2
"${port[@]}" > "$out/port.log" 2>&1
rc=$?
if ((rc != 0)); then tail -20 "$out/port.log" >&2; echo "peer_bench: the port's benchmark failed (exit $rc; log $out/port.log)" >&2; exit 1; fi

# ---------------------------------------------------------------- the table
"$py" - "$out/ours.json" "$out/port.json" "$torch_version" <<'PY'
import json, sys
ours, port = (json.load(open(p)) for p in sys.argv[1:3])
torch_version = sys.argv[3]
if ours["batch"] != port["batch"]:
    sys.exit("peer_bench: batch differs: ours %s, port %s" % (ours["batch"], port["batch"]))
def row(name, a, b, fmt="%12.3f", ratio=True):
    cell = lambda v: (fmt % v) if v is not None else "%12s" % "n/a"
    ratio = ("%10.2f" % (a / b) if a and b else "%10s" % "n/a") if ratio else ""
    print("%-26s %s %s %s" % (name, cell(a), cell(b), ratio))
where = ours["backend"] + ((" (%s, %s)" % (ours["device"], ours["precision"])) if ours.get("device") else
                           " (ours %s threads, port %s)" % (ours.get("cpu_threads"), port.get("num_threads")))
print("peer_bench: config %s (%s, nr_resnet %d, nr_filters %d, nr_logistic_mix %d), batch %d, %s; torch %s"
      % (ours["config"], ours["image"], ours["nr_resnet"], ours["nr_filters"], ours["nr_logistic_mix"], ours["batch"],
         where, torch_version))
print("%-26s %12s %12s %10s" % ("", "ours", "port", "ours/port"))  # > 1: we are faster
row("train images/s", ours["train_images_per_s"], port["train_images_per_s"])
row("train step s (median)", ours["step_seconds_median"], port["train_step_s_median"], "%12.4f", ratio=False)
fwd_ours = ours["batch"] / ours["forward_seconds_median"]
row("forward images/s (eval)", fwd_ours, port.get("forward_eval_images_per_s"))
if "params" in port and port["params"] != ours["params"]:
    print("note: parameter counts differ: ours %d, port %d" % (ours["params"], port["params"]))
if "peak_mem_gib" in port:
    arena = ours.get("arena_peak_bytes")
    print("memory: port peak %.2f GiB; ours arena peak %s" % (port["peak_mem_gib"], "%.2f GiB" % (arena / 2**30) if arena else "n/a"))
print("(steps: ours %d, port %s; the port's CPU script keeps only steps during which the machine was otherwise idle)"
      % (ours["steps"], port.get("clean_steps", len(port.get("train_step_s_clean", [])) or "n/a")))
PY
rc=$?
echo "peer_bench: results in $out (ours.json, port.json, logs)" >&2
exit $rc
