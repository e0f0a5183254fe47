# One image, two roles: ROLE=api serves HTTP, ROLE=worker runs queues and Telegram clients.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
COPY server/package.json server/
COPY admin-console/package.json admin-console/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json angular.json nest-cli.json ./
COPY server server
COPY admin-console admin-console
COPY migrations migrations
RUN NG_CLI_ANALYTICS=false npm run build -w admin-console \
 && npm run build -w server \
 && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules node_modules
COPY --from=build /app/server/package.json server/
COPY --from=build /app/server/dist server/dist
COPY --from=build /app/admin-console/dist admin-console/dist
USER node
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
CMD ["node", "--enable-source-maps", "server/dist/server/src/main.js"]
