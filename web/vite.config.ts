import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { Plugin } from "vite";
import { defineConfig } from "vitest/config";
import vue from "@vitejs/plugin-vue";

// Swagger UI for the local stack's /api/docs page (public/api-docs/), copied from the swagger-ui-dist
// package so the page needs no CDN.
function swaggerUiAssets(): Plugin {
  const dir = dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json"));
  return {
    name: "swagger-ui-assets",
    apply: "build",
    generateBundle() {
      for (const file of ["swagger-ui-bundle.js", "swagger-ui.css"]) {
        this.emitFile({ type: "asset", fileName: `api-docs/${file}`, source: readFileSync(join(dir, file)) });
      }
    },
  };
}

// The API origin for `npm run dev`: point it at a running `amc-uploader serve`.
const devApi = process.env.AMC_DEV_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [vue(), swaggerUiAssets()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 250,
  },
  server: {
    proxy: {
      "/api": devApi,
      "/runtime-config.json": devApi,
    },
  },
  test: {
    environment: "happy-dom",
    include: ["tests/**/*.test.ts"],
  },
});
