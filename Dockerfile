# The playbook compiler in a container:
#
#   docker build -t playbook .
#   docker run --rm -v "$PWD:/work" -w /work playbook check .
#
# Debian's Z3 (libz3-dev to build, libz3-4 to run) is linked, as on a
# Debian machine; see docs/ci.md.
FROM rust:1-bookworm AS build
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libz3-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN cargo install --locked --path . --root /usr/local

FROM debian:bookworm-slim
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends libz3-4 \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/playbook /usr/local/bin/playbook
WORKDIR /work
ENTRYPOINT ["playbook"]
CMD ["check", "."]
