/**
 * Environment defaults for `npm start`, imported first by `main.ts`: the SDK and Powertools read these when
 * they load or construct, so they must be in place before anything else is imported.
 */
// The SDK warns on every client about Node 20; the runtime supports it (package.json engines).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Metrics would print embedded-metric-format JSON for every request; opt in with POWERTOOLS_METRICS_DISABLED=false.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
