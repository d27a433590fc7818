#!/usr/bin/env bash
# Resident memory of the NativeAOT exporter over a long run (the DaemonSet's memory limit comes from it):
# 8 GPUs and 8 x 7 MIG side by side on the fake libnvidia-ml, 1 s sampling, 15 s scrapes, pods attributed.
# Needs clang and zlib1g-dev (NativeAOT). Usage: bench/exporter-soak.sh [MINUTES]   (default 60)
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-60}"
out=artifacts/bench-exporter-soak
rm -rf "$out"
dotnet build bench/NvmlExporter.Bench/NvmlExporter.Bench.csproj -c Release --nologo -v q >/dev/null
dotnet publish src/NvmlExporter/NvmlExporter.csproj -c Release -r linux-x64 -o "$out/aot" --nologo -v q >/dev/null
dotnet bench/NvmlExporter.Bench/bin/Release/net10.0/NvmlExporter.Bench.dll --soak "$minutes" --exporter "NativeAOT=$out/aot/nvml-exporter"
