// ReDoc for the combined OpenAPI document, loaded from the gateway itself.
window.addEventListener("load", function () {
  Redoc.init("/openapi.json", { disableSearch: true }, document.getElementById("redoc"));
});
