// Suggest makes, models and calibres while a clerk types (progressive enhancement): the approved
// names and their other names from the vocabulary, then what was typed recently at this site.
// The script's data-vocabulary URL answers {"make": [...], "model": [...], "calibre": [...]}.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.vocabulary;
  if (!url || !window.fetch) return;
  var fields = ["make", "model", "calibre"];
  fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
    .then(function (answer) { return answer.ok ? answer.json() : null; })
    .then(function (names) {
      if (!names) return;
      fields.forEach(function (field) {
        var input = document.querySelector('input[name="' + field + '"]');
        if (!input || !names[field] || !names[field].length) return;
        var list = document.createElement("datalist");
        list.id = "suggest-" + field;
        names[field].forEach(function (name) {
          var option = document.createElement("option");
          option.value = name;
          list.appendChild(option);
        });
        input.parentNode.appendChild(list);
        input.setAttribute("list", list.id);
      });
    })
    .catch(function () { /* offline or refused: the clerk types, as without JavaScript */ });
})();
