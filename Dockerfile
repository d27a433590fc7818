# syntax=docker/dockerfile:1
# One build context, two images (always pass --target; see docs/deploy.md):
#   docker build --target exporter -t ghcr.io/scaler-dev/nvml-exporter:0.1.0 .
#   docker build --target scaler   -t ghcr.io/scaler-dev/scaler:0.1.0 .
# The builder and the runtime bases are both Ubuntu 24.04 (noble), so the NativeAOT binary links
# against the same glibc it runs on.

ARG DOTNET_VERSION=10.0
# linux-x64 only for now: NativeAOT does not cross-compile between architectures without a cross toolchain.
ARG RID=linux-x64

FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble AS build
ARG RID
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
RUN dotnet restore src/NvmlExporter/NvmlExporter.csproj -r "$RID" \
 && dotnet restore src/Scaler/Scaler.csproj
COPY protos/ protos/
COPY src/ src/

FROM build AS publish-exporter
ARG RID
RUN dotnet publish src/NvmlExporter/NvmlExporter.csproj -c Release -r "$RID" -o /out

FROM build AS publish-scaler
# Framework-dependent: the runtime comes from the aspnet base image.
RUN dotnet publish src/Scaler/Scaler.csproj -c Release -p:UseAppHost=false -o /out

# The Scaler: a JIT ASP.NET Core host. The chiseled image runs as the non-root user `app` (uid 1654).
# It listens where Scaler:Host says (gRPC 9090, HTTP 8080, HTTPS 6443 by default): Kestrel's explicit
# endpoints override the base image's ASPNETCORE_HTTP_PORTS=8080, with a warning at every start unless
# the variable is cleared.
FROM mcr.microsoft.com/dotnet/aspnet:${DOTNET_VERSION}-noble-chiseled AS scaler
WORKDIR /app
COPY --from=publish-scaler /out/ ./
ENV ASPNETCORE_HTTP_PORTS=
EXPOSE 9090 8080 6443
ENTRYPOINT ["dotnet", "/app/scaler.dll"]

# The exporter: one self-contained native binary; runtime-deps carries only glibc, libstdc++, OpenSSL and
# CA certificates. libnvidia-ml.so.1 is not in the image: the NVIDIA container toolkit injects it when
# NVIDIA_VISIBLE_DEVICES is set, and `utility` is the capability NVML needs.
# The image keeps the base's non-root user; the DaemonSet runs it as uid 0 because the kubelet
# pod-resources socket is root-only (docs/deploy.md).
FROM mcr.microsoft.com/dotnet/runtime-deps:${DOTNET_VERSION}-noble-chiseled AS exporter
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
