/** Build-time constants and module shapes the bundler provides (see vite.config.ts). */

/** The product version, from the repository's VERSION file. */
declare const __WIDGET_VERSION__: string
