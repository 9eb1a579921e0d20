// Printed documents (receipt, ID card, situation report): print buttons, and each printed page's
// running header and footer: the programme's name, its classification marking at the top and
// the bottom of every page, and "Page n of m". Chromium prints CSS page-margin boxes (@page
// @top-left ...); their text comes from #print-pages's data- attributes (translated by the
// template) through a constructed style sheet, which the CSP (style-src 'self') allows.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
  var source = document.getElementById("print-pages");
  if (!source || !("adoptedStyleSheets" in document)) return;
  var d = source.dataset;
  var text = function (value) { return JSON.stringify(value || ""); };
  var rules = "@page { " +
    "@top-left { content: " + text(d.header) + "; } " +
    "@top-right { content: " + text(d.marking) + "; font-weight: 700; } " +
    "@bottom-left { content: " + text(d.marking) + "; font-weight: 700; } " +
    "@bottom-right { content: " + text(d.page) + " \" \" counter(page) \" \" " + text(d.of) +
    " \" \" counter(pages); } }";
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(rules);
  document.adoptedStyleSheets = document.adoptedStyleSheets.concat([sheet]);
})();
