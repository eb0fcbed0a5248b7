// "Cite this": the page may have been rendered earlier (a release is rendered once, when it is cut), so the
// access date is set to the reader's today. Without script the rendered date stays; nothing is fetched.
(function () {
  "use strict";
  var months = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  var block = document.querySelector("[data-accessed]");
  if (!block) { return; }
  var rendered = block.getAttribute("data-accessed");
  var now = new Date();
  var y = now.getFullYear(), m = now.getMonth() + 1, d = now.getDate();
  var pad = function (n) { return (n < 10 ? "0" : "") + n; };
  var today = y + "-" + pad(m) + "-" + pad(d);
  if (!rendered || rendered === today) { return; }
  var text = block.querySelector(".cite-text");
  if (text) {
    text.textContent = text.textContent.replace(/\(accessed [^)]*\)/, "(accessed " + d + " " + months[m - 1] + " " + y + ")");
  }
  var bibtex = block.querySelector(".cite-bibtex");
  if (bibtex) {
    bibtex.textContent = bibtex.textContent.replace(/urldate = \{[^}]*\}/, "urldate = {" + today + "}");
  }
  var csl = block.querySelector(".cite-csl");
  if (csl) {
    try {
      var item = JSON.parse(csl.textContent);
      item.accessed = {"date-parts": [[y, m, d]]};
      csl.textContent = JSON.stringify(item, null, 2);
    } catch (error) { /* leave the rendered citation as it is */ }
  }
  block.setAttribute("data-accessed", today);
}());
