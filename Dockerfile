# syntax=docker/dockerfile:1
# Stage 1: the frontend.
FROM node:20-bookworm-slim AS web
WORKDIR /src/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
RUN npm run build

# Stage 2: a static Go binary with the built frontend embedded.
FROM golang:1.26.10-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go version && go mod download
COPY . .
COPY --from=web /src/frontend/dist ./frontend/dist
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/wuzha . && mkdir -p /out/data

# Stage 3: a small, non-root image. Pure-Go SQLite needs no libc.
FROM gcr.io/distroless/static-debian12:nonroot
WORKDIR /app
COPY --from=build /out/wuzha /app/wuzha
# The data folder (SQLite, generated secrets, SMS outbox) belongs to the runtime user.
COPY --from=build --chown=65532:65532 /out/data /data
ENV WUZHA_ADDR=:8080 \
    WUZHA_DATA_DIR=/data
VOLUME ["/data"]
EXPOSE 8080
USER nonroot:nonroot
ENTRYPOINT ["/app/wuzha"]
CMD ["serve"]
