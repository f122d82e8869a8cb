# ss-stream-server in a container: built from this checkout by packing it
# exactly as `npm pack` would for the registry, then installing the tarball
# into a clean Node image.
#
#   docker build -t ss-stream-server .
#   docker run -d --name ss -p 8388:8388/tcp -p 8388:8388/udp \
#     -v "$PWD/config.json:/etc/ss-stream-server/config.json:ro" \
#     --ulimit nofile=65536:65536 ss-stream-server
#   docker kill --signal=HUP ss     # reload the config file, no connection dropped
#
# The config file (shadowsocks JSON, see README "Config file") must be
# readable by uid 1000 (the image's `node` user). Other flags go after the
# image name, replacing the default command: `docker run ... ss-stream-server
# -c /etc/ss-stream-server/config.json --metrics 0.0.0.0:9100`.
# See examples/docker-compose.yml and docs/OPERATIONS.md.

FROM node:20-slim AS build
WORKDIR /src
COPY package.json package-lock.json tsconfig.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY lib ./lib
COPY bin ./bin
COPY README.md LICENSE ./
COPY examples/systemd ./examples/systemd
COPY examples/config.example.json ./examples/config.example.json
COPY docs/OPERATIONS.md ./docs/OPERATIONS.md
# prepack builds dist/ (tsc), then the tarball is what the registry would serve.
RUN npm pack --pack-destination /pkg

FROM node:20-slim
ENV NODE_ENV=production
# As the systemd unit: cap V8's young generation (docs/OPERATIONS.md).
ENV NODE_OPTIONS=--max-semi-space-size=4
COPY --from=build /pkg/ /pkg/
RUN npm install --global --no-audit --no-fund /pkg/ss-stream-server-*.tgz \
 && rm -rf /pkg /root/.npm
USER node
# The Shadowsocks port, TCP and UDP (mode tcp_and_udp, the default).
EXPOSE 8388/tcp 8388/udp
# No HEALTHCHECK: a bare TCP connect to a Shadowsocks port is, to the server,
# a failed handshake (it shows in ss_tcp_handshake_failure_bytes and the logs).
# Use the restart policy, and --metrics for monitoring.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ss-stream-server"]
CMD ["-c", "/etc/ss-stream-server/config.json"]
