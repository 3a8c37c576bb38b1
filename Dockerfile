# syntax=docker/dockerfile:1

# Greenlight: one static binary, run as `server`, `worker` or `migrate`.
#
#   docker build -t greenlight .
#   docker run --rm greenlight --help
#
# The builder's Go version must match the `go` line of go.mod (deploy/deploy_test.go
# checks it), so that the build never has to download another toolchain.

FROM --platform=$BUILDPLATFORM golang:1.26.8-bookworm AS build
WORKDIR /src

# Dependencies first: this layer is rebuilt only when go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download && go mod verify

COPY . .
ARG TARGETOS
ARG TARGETARCH
RUN --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags="-s -w" -o /out/greenlight ./cmd/greenlight

# Runtime: Debian slim rather than distroless so that the compose healthcheck can call
# /readyz with curl. ca-certificates is needed for TLS to Temporal Cloud and webhooks.
FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates curl tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 greenlight \
    && useradd --system --uid 10001 --gid greenlight --home-dir /var/lib/greenlight \
       --shell /usr/sbin/nologin greenlight \
    && install -d -o greenlight -g greenlight /var/lib/greenlight

COPY --from=build /out/greenlight /greenlight

# `dev` keeps its SQLite files under ./.greenlight; give it a writable working folder.
WORKDIR /var/lib/greenlight
USER 10001:10001

ENV GREENLIGHT_HTTP=0.0.0.0:8080 \
    GREENLIGHT_LOG_FORMAT=json
EXPOSE 8080

ENTRYPOINT ["/greenlight"]
CMD ["server"]
