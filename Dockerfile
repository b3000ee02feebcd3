# syntax=docker/dockerfile:1
#
# The Segretariato sociale backend as a container image: a static binary
# (pure Go, SQLite included) on distroless/static, which holds CA
# certificates and a non-root user and nothing else (no shell, no curl).
#
#   docker build --build-arg VERSION=1.4.0 -t segretariato:1.4.0 .
#   docker run --rm segretariato:1.4.0 --version
#
# See the README, "Deployment".

FROM golang:1.26 AS build
WORKDIR /src
# Modules first, so that a change of the code does not download them again.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ENV CGO_ENABLED=0 GOFLAGS=-buildvcs=false
RUN go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/server ./cmd/server \
 && /out/server --version \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/server /usr/local/bin/server
# The working directory holds the embedded SQLite file when no DATABASE_URL
# is given; mount a volume there to keep it.
COPY --from=build --chown=65532:65532 /out/data /data
WORKDIR /data
USER 65532:65532
ENV ADDR=:8080 ENV=production
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/server", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/server"]
