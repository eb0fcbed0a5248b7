/* The query page: YASGUI on this endpoint, example queries, and a note when results were cut. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sparql-config").textContent);
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
