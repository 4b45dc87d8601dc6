// Swagger UI on /docs (web/api_docs.py), started from a file rather than the inline script FastAPI's
// page uses: the Content-Security-Policy runs no inline script. The options are FastAPI's defaults;
// no validator badge (it would load an image from validator.swagger.io).
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  });
})();
