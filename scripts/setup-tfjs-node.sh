#!/usr/bin/env bash
# Builds the @tensorflow/tfjs-node addon (a devDependency) against the TensorFlow C library shipped inside
# PyPI's TensorFlow wheel, for machines that reach PyPI but not storage.googleapis.com (where
# tfjs-node's own install script downloads libtensorflow). Idempotent: exits at once when the addon
# already loads. The repository's .npmrc skips install scripts, so `npm install` never runs tfjs-node's.
#
# Environment: TFJS_MARGIN_CACHE (default ~/.cache/tfjs-margin) holds the wheel and extracted libs;
# TF_WHEEL_VERSION (default 2.18.1) picks the tensorflow-cpu wheel.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
pkg="$root/node_modules/@tensorflow/tfjs-node"
cache="${TFJS_MARGIN_CACHE:-$HOME/.cache/tfjs-margin}"
version="${TF_WHEEL_VERSION:-2.18.1}"

loads() { (cd "$root" && node -e "require('@tensorflow/tfjs-node')" >/dev/null 2>&1); }

if loads; then
  echo "setup-tfjs-node: @tensorflow/tfjs-node already loads; nothing to do."
  exit 0
fi

if [ ! -f "$pkg/binding.gyp" ]; then
  # Not installed (e.g. `npm install --omit=dev`): install it without its download script; the addon
  # is built below.
  echo "setup-tfjs-node: installing @tensorflow/tfjs-node@4.22.0 without its download script"
  (cd "$root" && npm install --no-save --ignore-scripts --no-audit --no-fund @tensorflow/tfjs-node@4.22.0 >/dev/null)
fi

tf="$cache/tensorflow-cpu-$version"
if [ ! -f "$tf/.complete" ]; then
  echo "setup-tfjs-node: fetching tensorflow-cpu==$version from PyPI (about 230 MB, once)..."
  mkdir -p "$cache/wheels" "$tf"
  wheel=$(ls "$cache"/wheels/tensorflow_cpu-"$version"-*.whl 2>/dev/null | head -n 1 || true)
  if [ -z "$wheel" ]; then
    python3 -m pip download --quiet --no-deps --only-binary=:all: --python-version 3.11 \
      --platform manylinux2014_x86_64 -d "$cache/wheels" "tensorflow-cpu==$version"
    wheel=$(ls "$cache"/wheels/tensorflow_cpu-"$version"-*.whl | head -n 1)
  fi
  python3 - "$wheel" "$tf" <<'PY'
import sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as z:
    for name in z.namelist():
        if name.startswith('tensorflow/libtensorflow') or name.startswith('tensorflow/include/'):
            z.extract(name, dest)
PY
  # The C API lives in libtensorflow_cc; tfjs-node links -ltensorflow -ltensorflow_framework.
  nm -D --defined-only "$tf/tensorflow/libtensorflow_cc.so.2" | grep ' TFE_NewContext' >/dev/null || {
    echo "setup-tfjs-node: libtensorflow_cc.so.2 does not export the eager C API" >&2; exit 1; }
  touch "$tf/.complete"
fi

echo "setup-tfjs-node: staging libtensorflow into $pkg/deps"
rm -rf "$pkg/deps"
mkdir -p "$pkg/deps/lib"
cp -r "$tf/tensorflow/include" "$pkg/deps/include"
for name in libtensorflow_cc.so.2 libtensorflow.so.2 libtensorflow.so; do ln -sf "$tf/tensorflow/libtensorflow_cc.so.2" "$pkg/deps/lib/$name"; done
for name in libtensorflow_framework.so.2 libtensorflow_framework.so; do
  ln -sf "$tf/tensorflow/libtensorflow_framework.so.2" "$pkg/deps/lib/$name"
done

nodedir="$(dirname "$(dirname "$(command -v node)")")"
if [ -f "$nodedir/include/node/node_api.h" ]; then export npm_config_nodedir="$nodedir"; fi
echo "setup-tfjs-node: building the addon with node-gyp (nodedir=${npm_config_nodedir:-default})"
export PATH="$root/node_modules/.bin:$PATH"
(cd "$pkg" && node-pre-gyp rebuild --build-from-source --loglevel=warn >"$cache/build.log" 2>&1) || {
  tail -n 40 "$cache/build.log" >&2; exit 1; }

if loads; then
  echo "setup-tfjs-node: ok, @tensorflow/tfjs-node loads (libtensorflow from tensorflow-cpu==$version)."
else
  (cd "$root" && node -e "require('@tensorflow/tfjs-node')") >&2 || true
  echo "setup-tfjs-node: the addon was built but does not load" >&2
  exit 1
fi
