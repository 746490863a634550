// Swagger UI for the local stack's /api/docs, served with the web build (no CDN, no inline script, so
// the page runs under the app's Content-Security-Policy).
window.ui = SwaggerUIBundle({
  url: "/api/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis],
  layout: "BaseLayout",
});
