# One image for every gradtrace service; the targets differ only in what they build and run.
# docker compose builds `web` for the dashboard (with the recorder), `worker` for CPU workers and
# `worker-gpu` for GPU workers.
FROM node:20-bookworm-slim AS base
WORKDIR /app
ENV NEXT_TELEMETRY_DISABLED=1 TURBO_TELEMETRY_DISABLED=1
COPY . .
# `npm ci` builds the core's kernels and the Prisma client (the prepare script).
RUN npm ci --no-audit --no-fund

FROM base AS worker
# Workers need only Redis: REDIS_URL, nothing else.
CMD ["node", "apps/cli/bin/gradtrace.js", "worker"]

FROM base AS worker-gpu
# WebGPU (Dawn, inside the webgpu package) needs the Vulkan loader; the GPU's own Vulkan driver
# comes from the NVIDIA Container Toolkit.
RUN apt-get update && apt-get install -y --no-install-recommends libvulkan1 && rm -rf /var/lib/apt/lists/*
CMD ["node", "apps/cli/bin/gradtrace.js", "worker", "--device", "gpu"]

FROM base AS web
RUN npm run build -w @gradtrace/web
EXPOSE 3000
# The recorder runs inside the dashboard's server process (GRADTRACE_RECORDER=1). All interfaces
# of the container; the published port decides who reaches it (compose: loopback only).
ENV GRADTRACE_RECORDER=1 PORT=3000 HOST=0.0.0.0
CMD ["npm", "run", "start", "-w", "@gradtrace/web"]
