# hypercored: build on Debian 12 with scripts/install-deps.sh's packages, run on
# debian:12-slim. tests/docker/dockerfile_test.py checks every name used here.
FROM debian:12 AS build
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential cmake pkg-config libsodium-dev libasio-dev nlohmann-json3-dev \
      libspdlog-dev libsqlite3-dev doctest-dev libcli11-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
 && cmake --build build -j "$(nproc)" \
 && cmake --install build --prefix /out

FROM debian:12-slim
# The shared libraries the two binaries link (libstdc++6 and libc6 come with slim).
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libsodium23 libspdlog1.10 libfmt9 libsqlite3-0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /data --shell /usr/sbin/nologin hypercored \
 && mkdir -p /data /run/hypercored \
 && chown hypercored:hypercored /data /run/hypercored
COPY --from=build /out/bin/hypercored /out/bin/corectl /usr/local/bin/
USER hypercored
# The socket lives outside the volume (a socket file on a host bind mount may
# not work), where the systemd unit also puts it. Both binaries read
# HYPERCORED_SOCKET, so `docker exec <container> corectl ...` finds the daemon.
ENV HYPERCORED_DATA_DIR=/data \
    HYPERCORED_SOCKET=/run/hypercored/control.sock
VOLUME /data
# No EXPOSE yet: the daemon listens on no network port until replication arrives.
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["corectl", "status"]
ENTRYPOINT ["hypercored"]
