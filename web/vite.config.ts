import { defineConfig } from "vite";

// The build is committed (dist/) and embedded in the Go binary, and CI rebuilds it and fails on
// any difference: so no source maps, no timestamps, content-hashed asset names only.
export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
    assetsInlineLimit: 0,
    reportCompressedSize: true,
    // The editor chunk (CodeMirror + graphql-js for schema-aware completion) is ~590 kB; it loads
    // only on /query, so the lineage pages stay small.
    chunkSizeWarningLimit: 700,
  },
  server: {
    // `npm run dev` proxies the API to a running `aimsgraph serve` on :8080.
    proxy: { "/graphql": "http://127.0.0.1:8080", "/api": "http://127.0.0.1:8080", "/examples.json": "http://127.0.0.1:8080" },
  },
});
