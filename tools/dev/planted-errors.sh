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
  "$cpu/VecMath.java|dx\[i\] = dx\[i\] + (dyPos\[i\] \* (Math.min(yPos\[i\], 0f) + 1f)|dx[i] = dx[i] + (1.01f * dyPos[i] * (Math.min(yPos[i], 0f) + 1f)|concat_elu backward (positive half)"
  "$cpu/VecMath.java|db\[i\] = g \* a\[i\] \* (e \* inv \* inv);|db[i] = 1.01f * g * a[i] * (e * inv * inv);|gate backward (sigmoid branch)"
  "$cpu/CpuWeightNorm.java|dg.put(c, (float) (dg.get(c) + dot / nrm));|dg.put(c, (float) (dg.get(c) + 1.01 * dot / nrm));|weight norm backward dg"
  "$cpu/CpuWeightNorm.java|s2\[c\] = (float) (g.get(c) \* dot|s2[c] = (float) (1.01 * g.get(c) * dot|weight norm backward dV projection term"
  "$cpu/CpuBackend.java|for (int k = 0; k < row; k++) out.put(o + k, out.get(o + k) + d.get(o + row + k));|for (int k = 0; k < row; k++) out.put(o + k, out.get(o + k) + 1.01f * d.get(o + row + k));|down_shift backward"
  "$cpu/VecMath.java|for (int i = 0; i < n; i++) y\[i\] = y\[i\] + x\[i\] \* m\[i\];|for (int i = 0; i < n; i++) y[i] = y[i] + 1.01f * x[i] * m[i];|dropout backward"
  "$cpu/CpuElementwise.java|for (int c = 0; c < channels; c++) db.put(c, (float) (db.get(c) + sum\[c\]));|for (int c = 0; c < channels; c++) db.put(c, (float) (db.get(c) + 1.01 * sum[c]));|bias backward"
  "$cpu/VecMath.java|for (int i = 0; i < n; i++) dx\[i\] = dx\[i\] + dy\[i\] \* (Math.min(y\[i\], 0f) + 1f);|for (int i = 0; i < n; i++) dx[i] = dx[i] + 1.01f * dy[i] * (Math.min(y[i], 0f) + 1f);|elu backward"
  "$cpu/CpuConv.java|Blas.gemm(true, false, k, cout, nr, 1f, c, dyv, first ? 0f : 1f, part);|Blas.gemm(true, false, k, cout, nr, 1.01f, c, dyv, first ? 0f : 1f, part);|conv backward filter (blocked, per-thread partials)"
  "$cpu/CpuConv.java|Blas.gemm(par, false, true, nb \* rowsPerImage, k, g.cout(), 1f, dyv, w, 0f, c);|Blas.gemm(par, false, true, nb * rowsPerImage, k, g.cout(), 1.01f, dyv, w, 0f, c);|conv backward data (strided: product then col2im)"
  "$cpu/CpuConv.java|flipOut\[co \* cin + ci\] = flipHost\[ci \* cout + co\];|flipOut[co * cin + ci] = 1.01f * flipHost[ci * cout + co];|conv backward data (stride 1: flipped filter)"
  "$lay/Deconv2d.java|be.axpy(1f, backwardScratch, dx);|be.axpy(1.01f, backwardScratch, dx);|deconv backward data"
  "$lay/Dense.java|be.gemm(false, true, Math.toIntExact(rows), cin, cout, 1f, dy, wn.w, 1f, dx);|be.gemm(false, true, Math.toIntExact(rows), cin, cout, 1.01f, dy, wn.w, 1f, dx);|nin backward data"
  "$cpu/VecMath.java|da\[i\] = g \* sg\[i\];|da[i] = 1.01f * g * sg[i];|gate backward (linear branch)"
  "$cpu/CpuBackend.java|for (int k = 0; k < (w - 1) \* c; k++) out.put(o + k, out.get(o + k) + d.get(o + c + k));|for (int k = 0; k < (w - 1) * c; k++) out.put(o + k, out.get(o + k) + 1.01f * d.get(o + c + k));|right_shift backward"
  "$cpu/OneDnnConv.java|dnnl_post_ops_append_sum(po, 1f, 0|dnnl_post_ops_append_sum(po, 1.01f, 0|oneDNN convolutions: the accumulation into dx and dW"
  "$lay/GatedResnet.java|be.gemm(true, false, numClasses, 2 \* fch, x.n, 1f, h, hsum, 1f, hw.grad());|be.gemm(true, false, numClasses, 2 * fch, x.n, 1.01f, h, hsum, 1f, hw.grad());|class-conditional hw gradient"
)
cd "$work"
caught=0; missed=0
for p in "${plants[@]}"; do
  IFS='|' read -r file from to label <<< "$p"
  cp "$file" "$file.orig" || { echo "missing $file"; exit 1; }
  sed -i "s|$from|$to|" "$file"
  if cmp -s "$file" "$file.orig"; then echo "PLANT NOT APPLIED: $label"; missed=$((missed+1)); continue; fi
  # the plants in CpuConv are in im2col + SGEMM, which the default jar runs only where oneDNN's primitives do not
  conv=auto; [[ "$file" == */CpuConv.java ]] && conv=im2col
  if PCE_CPU_CONV=$conv flock /tmp/pce-build.lock mvn -q -o test -Dtest='LayerGradCheckTest,ModelGradCheckTest' -Dsurefire.failIfNoSpecifiedTests=false > log.txt 2>&1; then
    echo "NOT CAUGHT: $label"; missed=$((missed+1))
  else
    n=$(grep -c "gradient mismatches" log.txt || true)
    echo "caught: $label ($(grep -oE 'Tests run: [0-9]+, Failures: [0-9]+' log.txt | tail -1))"; caught=$((caught+1))
  fi
  mv "$file.orig" "$file"
done
echo "planted-error experiment: $caught caught, $missed missed"
