/// <reference types="vitest/config" />
/**
 * Build and test configuration of the customer chat widget.
 *
 * The widget is a separate bundle from the desktop UI: one IIFE file that a site owner
 * embeds with a <script> tag, so it cannot share the Svelte app's config. Run from
 * frontend/: `vite build --config widget/vite.config.ts` (npm run build:widget) and
 * `vitest run --config widget/vite.config.ts` (npm run test:widget).
 */
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const here = fileURLToPath(new URL('.', import.meta.url))
const repo = fileURLToPath(new URL('../../', import.meta.url))
// The widget reports the product version, so a bug report names the build it came from.
const version = readFileSync(repo + 'VERSION', 'utf8').trim()

export default defineConfig({
  root: here,
  // Nothing to copy: the only output is the bundle.
  publicDir: false,
  define: {
    __WIDGET_VERSION__: JSON.stringify(version),
  },
  build: {
    // The Go server serves (and the repository commits) exactly this file.
    outDir: repo + 'backend/widget/assets',
    // demo.html lives beside the bundle: never wipe the folder.
    emptyOutDir: false,
    // Customers' browsers, not ours: stay a little behind the newest syntax.
    target: 'es2020',
    minify: true,
    sourcemap: false,
    reportCompressedSize: true,
    lib: {
      entry: here + 'src/main.ts',
      formats: ['iife'],
      // Required by Vite for IIFE; main.ts exports nothing, so no global is made from it.
      name: 'VouchDeskWidgetBundle',
      fileName: () => 'widget.js',
    },
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    restoreMocks: true,
  },
})
