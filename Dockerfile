# One image for every role: `docker run netops-bot bot|worker|all|migrate`.
# Node 24 is the active LTS line (Node 20 reached end of life in April 2026); the code still runs on 20.
FROM node:24-bookworm-slim AS build
RUN apt-get update && apt-get install -y --no-install-recommends \
      build-essential python3 pkg-config libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.mjs scripts/
COPY src src
COPY commands commands
COPY jobs jobs
# Compiled once here: the running image starts plain JavaScript, with no transpiler at start.
RUN node scripts/build.mjs dist && npm prune --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends \
      libcairo2 libpango-1.0-0 libpangocairo-1.0-0 libjpeg62-turbo libgif7 librsvg2-2 git fonts-dejavu-core \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json netops.example.yaml ./
COPY bin bin
USER node
ENTRYPOINT ["node", "bin/netops-bot.js"]
CMD ["all"]
