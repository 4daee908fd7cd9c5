# syntax=docker/dockerfile:1
#
# The ledger as a container: a static binary on a distroless base, run as a
# non-root user. docker-compose.yml runs it on EventStoreDB (KurrentDB).
#
#   docker build -t mastery-ledger .
#   docker run -p 8080:8080 -v ledger-data:/data mastery-ledger

# Build stage: no cgo (the embedded store is pure Go), so the binary is
# static and runs on an image with no C library.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# /data is mode 0700: the events, keys and tokens in it are for the
# ledger's user alone (COPY keeps the mode; a new volume takes it from the
# image). The ledger makes it 0700 itself if it finds it wider.
RUN CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/ledger ./cmd/ledger \
 && mkdir -p -m 0700 /out/data

# A static busybox, only for the health probe (the final image has no shell
# or HTTP client of its own).
FROM busybox:1.37.0-musl AS probe

# Final stage: CA certificates, time zone data, a non-root user (65532), and
# nothing else.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ledger /ledger
COPY --from=probe /bin/busybox /usr/local/bin/busybox
COPY --from=build --chown=65532:65532 /out/data /data
USER 65532:65532
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["/usr/local/bin/busybox", "wget", "-q", "-O", "/dev/null", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["/ledger"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data", "/data"]
