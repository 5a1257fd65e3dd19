# planewatch services image (for docker-compose.yml). Not built on the development machines,
# which have no Docker engine; the same code runs natively with `npm start`.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false
COPY . .
ENV PLANEWATCH_HTTP_HOST=0.0.0.0 PLANEWATCH_DATA_DIR=/data
EXPOSE 8080
CMD ["npx", "tsx", "services/all-in-one/main.ts"]
