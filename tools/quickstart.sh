#!/usr/bin/env bash
# First run on a fresh Debian machine (README, command 1): installs what is missing (JDK 17, Maven,
# Debian's Fashion-MNIST package), builds the jar, shows what this machine offers the engine (Java,
# OpenBLAS, CUDA) and summarises Fashion-MNIST.
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

mvn -B -q -DskipTests package
java -jar target/pixelcnn-engine.jar info
java -jar target/pixelcnn-engine.jar data --data_set fashion-mnist
