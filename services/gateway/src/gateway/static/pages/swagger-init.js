// Swagger UI for the combined OpenAPI document, loaded from the gateway itself.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    // No call to the public validator service: nothing leaves for another host.
    validatorUrl: null,
  });
});
