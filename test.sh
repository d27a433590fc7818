#!/usr/bin/env bash
# Runs every test of the solution on a fresh machine: installs what the tests drive for real
# (a C compiler for the fake libnvidia-ml, kubectl (a client of the custom metrics API), Prometheus and promtool (the exporter's scrapes, the alert rules'
# unit tests, the dashboards' queries), a RabbitMQ broker, Node and npm for the independent KEDA client and
# the Kubernetes/CRD schema validation of deploy/, Debian's chromium and a font for the page's browser test),
# then `dotnet test`.
# Servers the tests start (Prometheus, RabbitMQ, the exporter) listen on loopback only and stop with the
# tests; the package's own broker service is not started.
set -euo pipefail
cd "$(dirname "$0")"

need=()
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v promtool >/dev/null 2>&1 || need+=(prometheus)
[ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || command -v rabbitmq-server >/dev/null 2>&1 || need+=(rabbitmq-server)
# The independent KEDA client (tests/Scaler.Tests/FrontDoors/Keda/node-client) and the schema validator
# (tests/Deploy.Tests/Schemas) run on Node; the tests install their pinned packages with npm ci.
command -v node >/dev/null 2>&1 || need+=(nodejs)
# kubectl is a real client of the custom metrics API (tests/Scaler.Tests/FrontDoors/MetricsApi).
command -v kubectl >/dev/null 2>&1 || need+=(kubernetes-client)
command -v npm >/dev/null 2>&1 || need+=(npm)
# The page's browser test (tests/Scaler.Tests/FrontDoors/Page) drives Debian's chromium with playwright-core
# (npm ci there); never a browser playwright would download. A font so that its screenshots show text.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)
if ((${#need[@]})); then
  echo "test.sh: installing ${need[*]}"
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -q >/dev/null
  # Packages must not start their own services (a broker on every interface): the tests start theirs.
  policy=/usr/sbin/policy-rc.d
  created_policy=""
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $sudo tee "$policy" >/dev/null && $sudo chmod +x "$policy" && created_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
  [ -z "$created_policy" ] || $sudo rm -f "$policy"
fi

log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
dotnet test Scaler.sln --nologo "$@" 2>&1 | tee "$log" || status=$?

# One closing line for every test assembly together.
awk '/(Passed|Failed)! +- +Failed: / {
       gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) }
     } END { printf "tests: %d passed, %d failed\n", p, f }' "$log"
exit "$status"
