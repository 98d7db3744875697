# syntax=docker/dockerfile:1
# moat-gate: the egress gateway image. Small and static: a musl build of the
# `moat-gate` binary on distroless/static (no shell, no libc, runs as nonroot).
#
#   docker build -f docker/gate.Dockerfile -t moat-gate .            # from the repo root
#   docker buildx build --platform linux/amd64,linux/arm64 -f docker/gate.Dockerfile .
#
# NOTE: written without a Docker engine at hand; it was not built where it was written.

FROM rust:1-bookworm AS build
ARG TARGETARCH
# musl-tools gives musl-gcc: mimalloc (the gateway's allocator) is C, compiled for the musl target.
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
# Fargate runs x86_64 and ARM64 (Graviton) tasks; build for the platform being built.
RUN case "${TARGETARCH:-amd64}" in \
      arm64) triple=aarch64-unknown-linux-musl ;; \
      amd64) triple=x86_64-unknown-linux-musl ;; \
      *) echo "unsupported TARGETARCH ${TARGETARCH}" >&2; exit 1 ;; \
    esac \
 && rustup target add "$triple" \
 && CARGO_PROFILE_RELEASE_DEBUG=false CARGO_PROFILE_RELEASE_STRIP=symbols \
    cargo build --release --locked -p moat-gate --bin moat-gate --target "$triple" \
 && install -D -m 0755 "target/$triple/release/moat-gate" /out/moat-gate

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/moat-gate /usr/local/bin/moat-gate
# The allowlist is mounted or baked at /etc/moat-gate/allowlist.txt (re-read when it
# changes), or given as entries: `--allow HOST` or MOAT_GATE_ALLOW="a.example,b.example",
# which is what `moat synth` does for a Fargate task (it overrides this CMD).
USER nonroot:nonroot
EXPOSE 3128 9090
ENTRYPOINT ["/usr/local/bin/moat-gate"]
CMD ["--proxy-listen", "0.0.0.0:3128", \
     "--metrics-listen", "0.0.0.0:9090", \
     "--mode", "enforce", \
     "--allowlist", "/etc/moat-gate/allowlist.txt"]
