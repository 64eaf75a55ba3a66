#!/usr/bin/env bash
# Builds the JMH suite (benchmarks/, a separate Maven build on top of the engine) and runs one short
# benchmark to show that it works:
#   1. mvn -DskipTests package, then install-file: the engine's (shaded) jar into the local Maven repository
#      (install-file with a pinned maven-install-plugin, so that the root pom needs no install plugin set-up)
#   2. mvn -f benchmarks/pom.xml package  benchmarks/target/benchmarks.jar (JMH 1.37; downloaded on first use)
#   3. BackendOps.concatEluForward on the CPU at shapes S, one 1-second iteration, failing on any error
# Arguments go to both Maven calls (e.g. -o to stay offline). SMOKE=0 skips step 3.
# Full runs: java -jar benchmarks/target/benchmarks.jar -h (see benchmarks/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -1)
[[ -n "$version" ]] || { echo "[benchmarks] cannot read the engine's version from pom.xml" >&2; exit 1; }
mvn -B -ntp -q "$@" -DskipTests package
mvn -B -ntp -q "$@" org.apache.maven.plugins:maven-install-plugin:3.1.4:install-file -Dfile=target/pixelcnn-engine.jar \
  -DgroupId=org.pixelcnn -DartifactId=pixelcnn-engine -Dversion="$version" -Dpackaging=jar
mvn -B -ntp -q "$@" -f benchmarks/pom.xml -Dengine.version="$version" package
test -s benchmarks/target/benchmarks.jar || { echo "[benchmarks] benchmarks/target/benchmarks.jar was not built" >&2; exit 1; }
echo "[benchmarks] built benchmarks/target/benchmarks.jar ($(java -jar benchmarks/target/benchmarks.jar -l | tail -n +2 | wc -l) benchmarks)"

if [[ "${SMOKE:-1}" != 0 ]]; then
  log=benchmarks/target/smoke.txt
  if ! java -jar benchmarks/target/benchmarks.jar 'BackendOps.concatEluForward' -p backend=cpu -p shapes=S \
      -wi 1 -i 1 -f 1 -w 1 -r 1 -foe true > "$log" 2>&1; then
    tail -40 "$log"; echo "[benchmarks] the smoke benchmark failed (log: $log)" >&2; exit 1
  fi
  grep -E '^Benchmark|BackendOps.concatEluForward ' "$log" || { tail -40 "$log"; echo "[benchmarks] no result line in $log" >&2; exit 1; }
fi
