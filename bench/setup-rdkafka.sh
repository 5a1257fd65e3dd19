#!/usr/bin/env bash
# Opt-in: builds node-rdkafka (librdkafka's Node binding) for the `client` section of the bench,
# against Debian's librdkafka-dev, into bench/.rdkafka (git-ignored). Nothing is downloaded but
# Debian packages (apt) and npm packages (node-rdkafka, nan, bindings): BUILD_LIBRDKAFKA=0 stops
# node-rdkafka from building its bundled librdkafka (which would fetch sources), and node-gyp is
# pointed at the headers installed with Node (--nodedir) instead of downloading them.
# Then `npm run bench -- --only=broker,client` measures it next to kafkajs and @platformatic/kafka.
#
#   bash bench/setup-rdkafka.sh          # needs root (or sudo) for apt-get
set -euo pipefail

NODE_RDKAFKA_VERSION=3.6.1
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
dest="$here/.rdkafka"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

need_pkgs=()
dpkg -s librdkafka-dev >/dev/null 2>&1 || need_pkgs+=(librdkafka-dev)
command -v make >/dev/null 2>&1 && command -v g++ >/dev/null 2>&1 || need_pkgs+=(build-essential)
command -v python3 >/dev/null 2>&1 || need_pkgs+=(python3)
if [ "${#need_pkgs[@]}" -gt 0 ]; then
  echo "setup-rdkafka: apt-get install ${need_pkgs[*]}"
  as_root apt-get update
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "${need_pkgs[@]}"
fi

# Node's own headers (node.h, common.gypi) next to the node binary: <prefix>/include/node.
node_prefix="$(dirname "$(dirname "$(readlink -f "$(command -v node)")")")"
if [ ! -f "$node_prefix/include/node/node.h" ]; then
  echo "setup-rdkafka: no Node headers at $node_prefix/include/node (node-gyp would try to download them)" >&2
  exit 1
fi
node_gyp="$(npm root -g)/npm/node_modules/node-gyp/bin/node-gyp.js"
if [ ! -f "$node_gyp" ]; then
  echo "setup-rdkafka: node-gyp not found at $node_gyp (it ships with npm)" >&2
  exit 1
fi

mkdir -p "$dest"
cd "$dest"
[ -f package.json ] || printf '{\n  "name": "planewatch-bench-rdkafka",\n  "private": true,\n  "description": "node-rdkafka built by bench/setup-rdkafka.sh (git-ignored)"\n}\n' > package.json
# Scripts off: the addon is built explicitly below, against the system librdkafka.
npm install --no-audit --no-fund --ignore-scripts --save-exact "node-rdkafka@$NODE_RDKAFKA_VERSION"
cd node_modules/node-rdkafka
BUILD_LIBRDKAFKA=0 node "$node_gyp" rebuild --nodedir="$node_prefix"

cd "$dest"
node -e "const k = require('node-rdkafka'); console.log('setup-rdkafka: node-rdkafka ' + require('node-rdkafka/package.json').version + ' on librdkafka ' + k.librdkafkaVersion + ' (' + k.features.join(',') + ')')"
