/// <reference types="vitest/config" />
import { defineConfig } from 'vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { svelteTesting } from '@testing-library/svelte/vite'

// https://vite.dev/config/
export default defineConfig({
  plugins: [svelte(), svelteTesting()],
  build: {
    outDir: 'dist',
    // The Go side embeds all:frontend/dist; it only needs the built files.
    // public/.gitkeep is copied back in, so dist/.gitkeep survives a build.
    emptyOutDir: true,
    target: 'es2022',
    // The window loads everything locally; one small CSS file is simplest.
    cssCodeSplit: false,
  },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.ts'],
    setupFiles: ['./src/test/setup.ts'],
    mockReset: true,
  },
})
