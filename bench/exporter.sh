#!/usr/bin/env bash
# The exporter's benchmark: publishes the exporter twice (JIT, and NativeAOT, which needs clang and
# zlib1g-dev), then measures both against the fake libnvidia-ml. Prints a Markdown report.
# Usage: bench/exporter.sh [--scrapes N] [--idle SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
out=artifacts/bench-exporter
rm -rf "$out"
dotnet build bench/NvmlExporter.Bench/NvmlExporter.Bench.csproj -c Release --nologo -v q >/dev/null
dotnet publish src/NvmlExporter/NvmlExporter.csproj -c Release -p:PublishAot=false -o "$out/jit" --nologo -v q >/dev/null
dotnet publish src/NvmlExporter/NvmlExporter.csproj -c Release -r linux-x64 -o "$out/aot" --nologo -v q >/dev/null
dotnet bench/NvmlExporter.Bench/bin/Release/net10.0/NvmlExporter.Bench.dll \
  --exporter "JIT (dotnet)=$out/jit/nvml-exporter.dll" \
  --exporter "NativeAOT=$out/aot/nvml-exporter" "$@"
