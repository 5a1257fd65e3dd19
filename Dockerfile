# planewatch services image (for docker-compose.yml). Not built on the development machines,
# which have no Docker engine; the same code runs natively with `npm start`.
# Two stages: the first compiles the TypeScript (`npm run build` → dist/, needs the dev
# dependencies); the image runs `node dist/...` like `npm start`, with production dependencies only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY . .
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY scripts/prepare.mjs scripts/
# Install scripts run (chdb fetches its native library); `prepare` finds no compiler and skips.
RUN npm ci --omit=dev --ignore-scripts=false
# The data files the compiled code reads from the repository root (core/repo-root.ts): migrations,
# detections, schemas, kafka, the dashboard's static files — and the sources they sit among.
COPY . .
COPY --from=build /app/dist ./dist
ENV NODE_ENV=production PLANEWATCH_HTTP_HOST=0.0.0.0 PLANEWATCH_DATA_DIR=/data
EXPOSE 8080
CMD ["node", "--enable-source-maps", "dist/services/all-in-one/main.js"]
