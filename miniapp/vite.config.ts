import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const root = fileURLToPath(new URL('.', import.meta.url));

// Built into miniapp/dist and served by the API at /app/ (api/miniapp.ts). `npm run dev:miniapp`
// serves it with hot reload and proxies /api to a running server (open it through /demo there).
export default defineConfig({
  root,
  base: '/app/',
  plugins: [react()],
  // the app imports framework-free core files (message catalogs, the status table) from ../core
  server: { fs: { allow: [fileURLToPath(new URL('..', import.meta.url))] }, proxy: { '/api': process.env.CRM_URL ?? 'http://localhost:3000' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 400,
  },
});
