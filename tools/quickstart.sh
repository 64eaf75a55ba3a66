#!/usr/bin/env bash
# First run on a fresh Debian machine (README, command 1): installs what is missing (JDK 17, Maven,
# Debian's Fashion-MNIST package), builds the jar, shows what this machine offers the engine, then
# trains a small PixelCNN++ on Fashion-MNIST for a few minutes (2 CPU cores: under 10 minutes in all),
# printing train and test bits/dim, and writes a checkpoint, a sample grid and a bits/dim plot to
# save/quickstart. QUICKSTART_STEPS (default 500) sets the length of the run.
#   bash tools/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# apt-get install, as root or through sudo; says what to do by hand where neither works.
apt_install() {
  local sudo=""
  if [[ $(id -u) != 0 ]]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "[quickstart] please install the Debian packages: $* (then run this again)" >&2; exit 1
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "[quickstart] no apt-get here: please install $* by hand (then run this again)" >&2; exit 1
  fi
  echo "[quickstart] installing $*"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@"
}

need=()
command -v javac >/dev/null 2>&1 || need+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || need+=(maven)
[[ -d /usr/share/datasets/fashion-mnist ]] || need+=(dataset-fashion-mnist)
if (( ${#need[@]} > 0 )); then apt_install "${need[@]}"; fi

# Maven 3.8 writes colour-reset codes even in batch mode: strip them, so a log redirected to a file is plain text.
mvn -B -q -DskipTests package 2>&1 | sed -u 's/\x1b\[[0-9;]*m//g'
java -jar target/pixelcnn-engine.jar info
java -jar target/pixelcnn-engine.jar data --data_set fashion-mnist
# The small preset (config S1 of the benchmarks): nr_resnet 1, nr_filters 32, nr_logistic_mix 5, batch 16,
# the original's optimiser. --polyak_decay 0.995 instead of 0.9995: a run of a few hundred steps needs an
# average over the last few hundred steps, not the last few thousand.
# A rerun starts afresh; the previous run is kept once, in save/quickstart.previous (an older one there goes).
if [[ -e save/quickstart ]]; then
  rm -rf save/quickstart.previous
  mv save/quickstart save/quickstart.previous
  echo "[quickstart] the previous run moved to save/quickstart.previous"
fi
java -jar target/pixelcnn-engine.jar train --data_set fashion-mnist --save_dir save/quickstart \
  --nr_resnet 1 --nr_filters 32 --nr_logistic_mix 5 --batch_size 16 --polyak_decay 0.995 \
  --max_steps "${QUICKSTART_STEPS:-500}" --log_every 25 --backend cpu
echo "[quickstart] checkpoint, samples (fashion-mnist_sample0.png), metrics and plot in save/quickstart/"
