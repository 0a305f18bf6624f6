// Swagger UI for the gateway: reads the OpenAPI document Camel generates from the REST DSL.
// "Authorize" takes an API key (X-API-Key) or the same key as a bearer token; it is kept in
// the browser's memory only.
window.onload = function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
    persistAuthorization: false,
    tryItOutEnabled: true
  });
};
