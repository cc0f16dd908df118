import { svelte } from '@sveltejs/vite-plugin-svelte';
import { svelteTesting } from '@testing-library/svelte/vite';
import { defineConfig } from 'vitest/config';

// Tauri loads the dev server on a fixed port and serves ui/dist in release builds.
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  clearScreen: false,
  // Only these prefixes are exposed to the frontend via import.meta.env.
  envPrefix: ['VITE_', 'TAURI_ENV_'],
  // Matches build.devUrl (http://localhost:1420) in src-tauri/tauri.conf.json.
  server: {
    port: 1420,
    strictPort: true,
  },
  preview: {
    port: 1421,
    strictPort: true,
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // WebKitGTK 2.50 (Linux), WKWebView (macOS) and WebView2 all handle Safari 16 output.
    target: 'safari16',
    // Everything is bundled; nothing is loaded from the network at run time.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test/setup.ts'],
    restoreMocks: true,
  },
});
