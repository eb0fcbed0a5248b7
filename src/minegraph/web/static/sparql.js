/* The query page: YASGUI on this endpoint, example queries, and a note when results were cut. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sparql-config").textContent);
  /* An error answer in words: the endpoint's message, line breaks kept. YASR hands over either the status and
     the plain-text body, or (for a JSON error body, which its Accept header asks for) only the body. */
  function errorBody(error) {
    try {
      var body = JSON.parse(error.text);
      return body && typeof body.message === "string" ? body : null;
    } catch (notJson) {
      return null;
    }
  }
  function showError(error) {
    var body = error && error.text ? errorBody(error) : null;
    if (!body && !(error && error.status && error.text)) { return undefined; }  /* YASR's own message */
    var status = body ? body.status : error.status;
    var box = document.createElement("div");
    box.className = "query-error";
    box.setAttribute("role", "alert");
    var title = document.createElement("p");
    title.className = "query-error-title";
    title.textContent = status ? "Error " + status : "Error";
    var text = document.createElement("pre");
    text.className = "query-error-message";
    text.textContent = body ? body.message + (body.report ? "\n\n" + body.report : "") : error.text;
    box.appendChild(title);
    box.appendChild(text);
    return box;
  }
  Yasgui.Yasr.defaults.errorRenderers = [showError];
  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    yasqe: { value: config.first }
  });
  var note = document.getElementById("truncated");
  function watch(tab) {
    tab.getYasqe().on("queryResponse", function (first, second) {
      var response = first && first.headers ? first : second;
      var headers = response && response.headers;
      var header = function (name) {
        if (!headers) { return null; }
        return typeof headers.get === "function" ? headers.get(name) : headers[name];
      };
      var cut = header("x-minegraph-truncated") === "true";
      note.hidden = !cut;
      note.textContent = cut ? "Only the first " + header("x-minegraph-row-limit") +
        " results are shown: the endpoint returns at most that many rows. " +
        "Add LIMIT and OFFSET to page through the rest." : "";
    });
  }
  watch(yasgui.getTab());
  yasgui.on("tabAdd", function (_yasgui, id) { watch(yasgui.getTab(id)); });
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var yasqe = yasgui.getTab().getYasqe();
      yasqe.setValue(button.dataset.query);
      yasqe.query();
    });
  });
})();
