import { defineConfig } from "vitest/config";
import vue from "@vitejs/plugin-vue";

// The API origin for `npm run dev`: point it at a running `amc-uploader serve`.
const devApi = process.env.AMC_DEV_API ?? "http://127.0.0.1:8080";

export default defineConfig({
  plugins: [vue()],
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
