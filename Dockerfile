# syntax=docker/dockerfile:1
# One build context, two images, each for amd64 and arm64 (always pass --target; see docs/deploy.md):
#   docker buildx build --platform linux/amd64,linux/arm64 --target exporter -t REGISTRY/nvml-exporter:0.1.0 --push .
#   docker buildx build --platform linux/amd64,linux/arm64 --target scaler   -t REGISTRY/scaler:0.1.0 --push .
# The builder and the runtime bases are both Ubuntu 24.04 (noble), so the NativeAOT binary links
# against the same glibc it runs on.
#
# Base images are pinned by the digest of their multi-arch index (tag@digest: the digest wins, the tag
# says what it was). The digests below are PLACEHOLDERS (all zeros) until deploy/pin-base-images.sh has
# resolved them on a machine with Docker; a build fails on them rather than pulling an unverified image.

# The build runs on the target platform (natively, or under emulation with buildx and QEMU): NativeAOT
# compiles for the architecture it runs on, and the RID follows Docker's TARGETARCH.
FROM mcr.microsoft.com/dotnet/sdk:10.0-noble@sha256:0000000000000000000000000000000000000000000000000000000000000000 AS build
ARG TARGETARCH
# NativeAOT links the native binary with clang and needs zlib's headers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends clang zlib1g-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Build settings and project files first, so the restore layer is reused until one of them changes.
# A new Directory.*.props under src/ must be added here too.
COPY global.json Directory.Build.props Directory.Packages.props BannedSymbols.txt .editorconfig ./
COPY src/NvmlExporter/NvmlExporter.csproj src/NvmlExporter/
COPY src/Scaler/Scaler.csproj src/Scaler/
# The exporter is restored for its runtime identifier: PublishAot pulls the ILCompiler packs for it.
RUN case "${TARGETARCH:-amd64}" in amd64) echo linux-x64 ;; arm64) echo linux-arm64 ;; *) echo "unsupported TARGETARCH $TARGETARCH" >&2; exit 1 ;; esac > /rid \
 && dotnet restore src/NvmlExporter/NvmlExporter.csproj -r "$(cat /rid)" \
 && dotnet restore src/Scaler/Scaler.csproj
COPY protos/ protos/
COPY src/ src/

FROM build AS publish-exporter
RUN dotnet publish src/NvmlExporter/NvmlExporter.csproj -c Release -r "$(cat /rid)" -o /out

FROM build AS publish-scaler
# Framework-dependent: the runtime comes from the aspnet base image.
RUN dotnet publish src/Scaler/Scaler.csproj -c Release -p:UseAppHost=false -o /out

# The Scaler: a JIT ASP.NET Core host. The chiseled image runs as the non-root user `app` (uid 1654).
# It listens where Scaler:Host says (gRPC 9090, HTTP 8080, HTTPS 6443 by default): Kestrel's explicit
# endpoints override the base image's ASPNETCORE_HTTP_PORTS=8080, with a warning at every start unless
# the variable is cleared.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled@sha256:0000000000000000000000000000000000000000000000000000000000000000 AS scaler
WORKDIR /app
COPY --from=publish-scaler /out/ ./
ENV ASPNETCORE_HTTP_PORTS=
EXPOSE 9090 8080 6443 9091
ENTRYPOINT ["dotnet", "/app/scaler.dll"]

# The exporter: one self-contained native binary on the chiseled runtime-deps image made for NativeAOT
# (-aot: the smallest set of native libraries a NativeAOT app needs; no ICU, which InvariantGlobalization
# makes unnecessary). libnvidia-ml.so.1 is not in the image: the NVIDIA container toolkit injects it when
# NVIDIA_VISIBLE_DEVICES is set, and `utility` is the capability NVML needs.
# The image keeps the base's non-root user; the DaemonSet runs it as uid 0 because the kubelet
# pod-resources socket is root-only (docs/deploy.md).
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0-noble-chiseled-aot@sha256:0000000000000000000000000000000000000000000000000000000000000000 AS exporter
WORKDIR /app
COPY --from=publish-exporter /out/nvml-exporter ./nvml-exporter
# DOTNET_GCgen0size (hex, 4 MiB): the default gen0 budget scales with the CPU cache, and the exporter,
# allocating a few hundred KiB a second, then grew to ~50 MiB resident before its first GC; with 4 MiB
# it stays near 25 MiB (docs/exporter.md, Performance). The runtimeconfig knobs were not honoured by
# NativeAOT for this setting; the environment variable is.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=utility \
    DOTNET_GCgen0size=400000
EXPOSE 9400
ENTRYPOINT ["/app/nvml-exporter"]
