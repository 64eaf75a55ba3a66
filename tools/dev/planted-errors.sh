#!/usr/bin/env bash
# Plants a 1% error into one backward formula at a time (in a scratch copy of the repo) and checks
# that the gradient-check suite fails for each. Usage: bash tools/dev/planted-errors.sh
set -uo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar --exclude=./target --exclude=./.git -C "$repo" -cf - . | tar -xf - -C "$work"
cpu=src/main/java/org/pixelcnn/backend/cpu
lay=src/main/java/org/pixelcnn/model/layers
plants=(
  "$cpu/CpuBackend.java|float gsum = d.get(o0 + j) \* eluGradFromOutput|float gsum = 1.01f * d.get(o0 + j) * eluGradFromOutput|concat_elu backward (positive half)"
  "$cpu/CpuBackend.java|oc.put(c0 + fch + k, g \* a \* s \* (1f - s));|oc.put(c0 + fch + k, 1.01f * g * a * s * (1f - s));|gate backward (sigmoid branch)"
  "$cpu/CpuBackend.java|dG.put(c, (float) (dG.get(c) + dot\[c\] / nrm));|dG.put(c, (float) (dG.get(c) + 1.01 * dot[c] / nrm));|weight norm backward dg"
  "$cpu/CpuBackend.java|s2\[c\] = (float) (gg.get(c) \* dot\[c\]|s2[c] = (float) (1.01 * gg.get(c) * dot[c]|weight norm backward dV projection term"
  "$cpu/CpuBackend.java|for (int k = 0; k < row; k++) out.put(o + k, out.get(o + k) + d.get(o + row + k));|for (int k = 0; k < row; k++) out.put(o + k, out.get(o + k) + 1.01f * d.get(o + row + k));|down_shift backward"
  "$cpu/CpuBackend.java|if (DropoutMask.keep(key, i, p)) out.put(i, out.get(i) + d.get(i) \* scale);|if (DropoutMask.keep(key, i, p)) out.put(i, out.get(i) + 1.01f * d.get(i) * scale);|dropout backward"
  "$cpu/CpuBackend.java|out.put(c, (float) (out.get(c) + sum\[c\]));|out.put(c, (float) (out.get(c) + 1.01 * sum[c]));|bias backward"
  "$cpu/CpuBackend.java|out.put(i, out.get(i) + d.get(i) \* eluGradFromOutput(yy.get(i)));|out.put(i, out.get(i) + 1.01f * d.get(i) * eluGradFromOutput(yy.get(i)));|elu backward"
  "$cpu/CpuConv.java|Blas.gemm(par, true, false, k, g.cout(), nb \* rowsPerImage, 1f, c, dyv, 1f, dw);|Blas.gemm(par, true, false, k, g.cout(), nb * rowsPerImage, 1.01f, c, dyv, 1f, dw);|conv backward filter (im2col path)"
  "$cpu/CpuConv.java|Blas.gemm(par, false, true, nb \* rowsPerImage, k, g.cout(), 1f, dyv, w, 0f, c);|Blas.gemm(par, false, true, nb * rowsPerImage, k, g.cout(), 1.01f, dyv, w, 0f, c);|conv backward data (im2col path)"
  "$lay/Deconv2d.java|be.axpy(1f, scratch, dx);|be.axpy(1.01f, scratch, dx);|deconv backward data"
  "$lay/Dense.java|be.gemm(false, true, Math.toIntExact(rows), cin, cout, 1f, dy, wn.w, 1f, dx);|be.gemm(false, true, Math.toIntExact(rows), cin, cout, 1.01f, dy, wn.w, 1f, dx);|nin backward data"
  "$cpu/CpuBackend.java|oc.put(c0 + k, g \* s);|oc.put(c0 + k, 1.01f * g * s);|gate backward (linear branch)"
  "$cpu/CpuBackend.java|for (int k = 0; k < (w - 1) \* c; k++) out.put(o + k, out.get(o + k) + d.get(o + c + k));|for (int k = 0; k < (w - 1) * c; k++) out.put(o + k, out.get(o + k) + 1.01f * d.get(o + c + k));|right_shift backward"
  "$lay/GatedResnet.java|be.gemm(true, false, numClasses, 2 \* fch, x.n, 1f, h, hsum, 1f, hw.grad());|be.gemm(true, false, numClasses, 2 * fch, x.n, 1.01f, h, hsum, 1f, hw.grad());|class-conditional hw gradient"
)
cd "$work"
caught=0; missed=0
for p in "${plants[@]}"; do
  IFS='|' read -r file from to label <<< "$p"
  cp "$file" "$file.orig" || { echo "missing $file"; exit 1; }
  sed -i "s|$from|$to|" "$file"
  if cmp -s "$file" "$file.orig"; then echo "PLANT NOT APPLIED: $label"; missed=$((missed+1)); continue; fi
  if flock /tmp/mvn.lock mvn -q -o test -Dtest='LayerGradCheckTest,ModelGradCheckTest' -Dsurefire.failIfNoSpecifiedTests=false > log.txt 2>&1; then
    echo "NOT CAUGHT: $label"; missed=$((missed+1))
  else
    n=$(grep -c "gradient mismatches" log.txt || true)
    echo "caught: $label ($(grep -oE 'Tests run: [0-9]+, Failures: [0-9]+' log.txt | tail -1))"; caught=$((caught+1))
  fi
  mv "$file.orig" "$file"
done
echo "planted-error experiment: $caught caught, $missed missed"
