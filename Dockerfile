# hypercored: build on Debian 12 with the README's packages, run on debian:12-slim.
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
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libsodium23 libspdlog1.10 libfmt9 libsqlite3-0 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /data --shell /usr/sbin/nologin hypercored \
 && mkdir -p /data && chown hypercored:hypercored /data
COPY --from=build /out/bin/ /usr/local/bin/
USER hypercored
ENV HYPERCORED_DATA_DIR=/data
VOLUME /data
ENTRYPOINT ["hypercored"]
