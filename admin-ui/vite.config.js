import { defineConfig } from 'vite';

// Served by the deployable at /admin/ on the admin listener, from the jar's classpath folder
// adsml/admin-ui (AdminUiRoutes in http-api reads it from there).
//
// `npm run dev` serves the pages with live reload and sends API calls to a running adsml
// (ADSML_ADMIN, by default the demo's admin listener).
const target = process.env.ADSML_ADMIN || 'http://127.0.0.1:8081';

export default defineConfig({
  base: '/admin/',
  server: { proxy: { '/admin/api': target, '/v1': target } },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'target/classes/adsml/admin-ui',
    emptyOutDir: true,
    // The whole app is one script of about 100 kB: say so when it grows past twice that.
    chunkSizeWarningLimit: 200,
  },
});
