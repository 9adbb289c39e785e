// Replaces swagger-ui-dist's swagger-initializer.js (loaded by its index.html)
// so that /swagger/ shows coderun's own document instead of the petstore.
// Serve it at /swagger/swagger-initializer.js in place of the packaged one
// (an Alias for that one file ahead of the directory Alias).
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "../openapi.json",  // relative: PREFIX/swagger/ -> PREFIX/openapi.json,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // Keep the key entered under "Authorize" across page reloads.
    persistAuthorization: true,
    presets: [
      SwaggerUIBundle.presets.apis,
      SwaggerUIStandalonePreset
    ],
    plugins: [
      SwaggerUIBundle.plugins.DownloadUrl
    ],
    layout: "StandaloneLayout"
  });
};
