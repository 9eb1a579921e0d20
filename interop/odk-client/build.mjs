// Bundles entry.js with Vue and @getodk/web-forms (as installed by `npm ci` from
// package-lock.json) into dist/ (odk-client.js, an ES module, and the map's chunk it loads on demand).
import { build } from 'esbuild';

await build({
  entryPoints: ['entry.js'],
  bundle: true,
  format: 'esm',
  splitting: true,
  outdir: 'dist',
  entryNames: 'odk-client',
  target: 'es2022',
  minify: true,
  logLevel: 'warning',
  define: {
    __VUE_OPTIONS_API__: 'true',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    'process.env.NODE_ENV': '"production"',
  },
});
