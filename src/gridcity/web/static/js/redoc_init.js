// ReDoc on /redoc (web/api_docs.py), started from a file (the Content-Security-Policy runs no inline
// script) and not by its own <redoc spec-url> element, so that its options can be given: ReDoc 3
// would otherwise report usage to otel.cloud.redocly.com (telemetry, on by default).
import { init } from "/static/vendor/redoc/redoc.standalone.js";

const root = document.getElementById("redoc");
init(root.getAttribute("data-openapi-url"), { disableTelemetry: true }, root);
