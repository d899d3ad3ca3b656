#!/usr/bin/env bash
# Installs the Debian 12 packages syncline needs, only those that are missing.
# Usage: scripts/install-deps.sh [--bench]   (--bench adds python3-torch for the peer benchmarks)
set -euo pipefail

packages=(cmake g++ make pkg-config libopenmpi-dev openmpi-bin libprotobuf-dev protobuf-compiler
  libgrpc++-dev protobuf-compiler-grpc libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libopenblas-dev zlib1g-dev dataset-fashion-mnist iproute2 openssl)
if [[ "${1:-}" == "--bench" ]]; then packages+=(python3-torch python3-numpy); fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}" >&2
  sudo_cmd=""
  [[ $(id -u) -ne 0 ]] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
