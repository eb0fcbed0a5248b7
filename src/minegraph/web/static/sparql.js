/* The query page: YASGUI on this endpoint, example queries, a note when results were cut; a query linked to
   (/sparql?query=…) opens in the editor and runs; results read as labels and plain values, the raw RDF terms one
   click away. */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("sparql-config").textContent);
  /* At most this many distinct IRIs of a result get their label looked up: one small query, whatever the rows. */
  var MAX_LABELLED = 500;
  var RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label";
  var RDF_LANG_STRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString";
  var SKOS_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel";
  var view = { raw: false, labels: {} };  /* labels: IRI -> its label, or null when it has none */

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

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }
  /* A long text keeps a column wide enough to read it in lines of a few words, not one word a line. */
  function long(text) { return text && text.length > 40 ? " class='long'" : ""; }
  /* A term as a reader wants it: an IRI as its label (or the IRI) linking to it, a literal as its value; what the
     plain form leaves out (the IRI, the datatype, the language) is in the tooltip and in the raw view. */
  function plainCell(binding) {
    var value = escapeHtml(binding.value);
    if (binding.type === "uri") {
      var label = view.labels[binding.value];
      return "<div" + long(label) + "><a class='iri" + (label ? " labelled" : "") + "' href='" + value +
        "' title='" + value + "' target='_blank' rel='noopener noreferrer'>" + (label ? escapeHtml(label) : value) +
        "</a></div>";
    }
    if (binding.type === "bnode") { return "<div><span class='nonIri'>_:" + value + "</span></div>"; }
    var kind = binding["xml:lang"] ? "language: " + binding["xml:lang"] : binding.datatype || "";
    var typed = binding.datatype && binding.datatype !== RDF_LANG_STRING ? " typed" : "";  /* a number, a date */
    return "<div" + long(typed ? "" : binding.value) + "><span class='nonIri plain" + typed + "'" +
      (kind ? " title='" + escapeHtml(kind) + "'" : "") + ">" + value + "</span></div>";
  }
  /* YASR's table draws every cell through getCellContent: the plain view unless the reader asked for RDF terms
     (or the term is an RDF-star triple, which only the raw view spells out). Values wrap instead of being cut
     with "…" (the ellipsis mode is off), and the row numbers stay. */
  var Table = Yasgui.Yasr.plugins.table;
  var rawCell = Table.prototype.getCellContent;
  var rawDraw = Table.prototype.draw;
  Table.prototype.getCellContent = function (binding, prefixes) {
    return view.raw || binding.type === "triple" ? rawCell.call(this, binding, prefixes) : plainCell(binding);
  };
  Table.prototype.draw = function (settings) {
    return rawDraw.call(this, Object.assign({}, settings, { isEllipsed: false, compact: false }));
  };
  Yasgui.Yasr.defaults.errorRenderers = [showError];

  /* The labels (English, else untagged, else any; rdfs:label before skos:prefLabel) of the IRIs of a result
     that were not looked up yet, asked of this endpoint in one query. */
  function labelQuery(iris) {
    return "SELECT ?iri ?label ?kind WHERE { VALUES ?iri { " + iris.map(function (iri) { return "<" + iri + ">"; })
      .join(" ") + " } VALUES ?kind { <" + RDFS_LABEL + "> <" + SKOS_PREF_LABEL + "> } ?iri ?kind ?label . " +
      "FILTER(isLiteral(?label)) }";
  }
  function rank(binding) {
    var lang = binding.label["xml:lang"] || "";
    return (lang === "en" ? 0 : lang === "" ? 2 : 4) + (binding.kind.value === RDFS_LABEL ? 0 : 1);
  }
  function unlabelled(yasr) {
    var found = [];
    var seen = {};
    (yasr.results && yasr.results.getBindings() || []).forEach(function (row) {
      Object.keys(row).forEach(function (name) {
        var term = row[name];
        if (term.type === "uri" && !(term.value in view.labels) && !seen[term.value] &&
            /^[^<>"{}|^`\\\s]+$/.test(term.value) && found.length < MAX_LABELLED) {
          seen[term.value] = true;
          found.push(term.value);
        }
      });
    });
    return found;
  }
  function addLabels(yasr, endpoint) {
    var iris = unlabelled(yasr);
    if (!iris.length) { return; }
    iris.forEach(function (iri) { view.labels[iri] = null; });  /* asked once, found or not */
    var best = {};
    fetch(endpoint, {
      method: "POST",
      headers: { "Accept": "application/sparql-results+json", "Content-Type": "application/x-www-form-urlencoded" },
      body: "query=" + encodeURIComponent(labelQuery(iris))
    }).then(function (response) {
      return response.ok ? response.json() : { results: { bindings: [] } };
    }).then(function (answer) {
      answer.results.bindings.forEach(function (binding) {
        var iri = binding.iri.value;
        if (!best[iri] || rank(binding) < rank(best[iri])) { best[iri] = binding; }
      });
      Object.keys(best).forEach(function (iri) { view.labels[iri] = best[iri].label.value; });
      if (!view.raw) { labelDrawn(yasr.resultsEl); }
    }).catch(function () { /* labels are a courtesy: the values stay as they are */ });
  }

  /* The links of the drawn table get their labels in place (the other pages of the table are drawn with them):
     drawing the table again would replace it under the reader's hand. */
  function labelDrawn(results) {
    results.querySelectorAll("a.iri:not(.labelled)").forEach(function (link) {
      var label = view.labels[link.getAttribute("href")];
      if (label) {
        link.textContent = label;
        link.classList.add("labelled");
        if (long(label)) { link.parentNode.classList.add("long"); }
      }
    });
  }

  /* The switch between plain values and RDF terms, beside YASR's own table controls. */
  var rawSwitch = document.createElement("button");
  rawSwitch.type = "button";
  rawSwitch.className = "raw-terms";
  rawSwitch.setAttribute("aria-pressed", "false");
  rawSwitch.textContent = "Show RDF terms";
  rawSwitch.title = "Show each value as an RDF term: IRIs in full, literals with their datatype or language";
  function placeSwitch(yasr) {
    var table = yasr.drawnPlugin === "table";
    rawSwitch.hidden = !table;
    if (table && rawSwitch.parentNode !== yasr.pluginControls) { yasr.pluginControls.prepend(rawSwitch); }
  }

  var yasgui = new Yasgui(document.getElementById("yasgui"), {
    requestConfig: { endpoint: config.endpoint, method: "POST" },
    copyEndpointOnNewTab: false,
    populateFromUrl: false,  /* a linked query is put in the open tab below, once */
    yasqe: { value: config.first }
  });
  /* YASQE lays its share and run buttons over the editor's top right corner, on the first lines of the query:
     they go to a bar of their own above the editor (they keep their handlers). */
  function barAboveEditor(yasqe) {
    var editor = yasqe.getWrapperElement();
    var buttons = editor.querySelector(".yasqe_buttons");
    if (buttons) { editor.parentNode.insertBefore(buttons, editor); }
  }
  var note = document.getElementById("truncated");
  /* YASGUI's own controls without a name for a screen reader: the query editor (CodeMirror's text area), the
     endpoint field and the results' page-size choice get one (axe-core checks this page in the tests). */
  function named() {
    [["#yasgui .CodeMirror textarea", "SPARQL query"], ["#yasgui input.autocomplete", "SPARQL endpoint address"],
     ["#yasgui select.tableSizer", "Results per page"], ["#yasgui .tabsList input", "Tab name"],
     ["#yasgui .yasr input[type=search], #yasgui .yasr .dataTables_filter input", "Filter the results"]
    ].forEach(function (pair) {
      document.querySelectorAll(pair[0]).forEach(function (element) {
        if (!element.getAttribute("aria-label")) { element.setAttribute("aria-label", pair[1]); }
      });
    });
  }
  function watch(tab) {
    barAboveEditor(tab.getYasqe());
    named();
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
    var yasr = tab.getYasr();
    yasr.on("drawn", function () {
      named();
      placeSwitch(yasr);
      if (!view.raw && tab.getEndpoint() === config.endpoint) { addLabels(yasr, config.endpoint); }
    });
  }
  rawSwitch.addEventListener("click", function () {
    view.raw = !view.raw;
    rawSwitch.setAttribute("aria-pressed", String(view.raw));
    yasgui.getTab().getYasr().refresh();
  });
  watch(yasgui.getTab());
  yasgui.on("tabAdd", function (_yasgui, id) { watch(yasgui.getTab(id)); });
  if (config.linked) {
    var tab = yasgui.getTab();
    tab.setRequestConfig({ args: config.linked.args });
    tab.getYasqe().setValue(config.linked.query);
    tab.getYasqe().query();
  }
  document.querySelectorAll("button.example").forEach(function (button) {
    button.addEventListener("click", function () {
      var yasqe = yasgui.getTab().getYasqe();
      yasqe.setValue(button.dataset.query);
      yasqe.query();
    });
  });
})();
