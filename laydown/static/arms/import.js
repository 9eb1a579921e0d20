/* Laydown: show the progress of a bulk import. Without JavaScript the form posts as usual.
 *
 * The file is sent with XMLHttpRequest (for the upload's own progress), then the page asks
 * the server how far checking and importing are, by the job id the form carries, until the
 * answer arrives; the answer replaces the page's main part (or follows its redirect).
 * On a job's own page (a large file written in the background) it asks until the job is over,
 * then reloads the page, which shows the outcome. Without JavaScript that page refreshes itself.
 */
(function () {
  "use strict";
  function setUp() {
    var form = document.getElementById("import-form");
    if (!form || !window.FormData || !window.XMLHttpRequest) { return; }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = document.getElementById("import-status");
      var bar = document.getElementById("import-progress");
      var text = document.getElementById("import-label");
      var job = form.querySelector("input[name=job]");
      var url = form.getAttribute("data-progress").replace("JOB", job ? job.value : "none");
      var timer = null;
      var words = {
        upload: form.getAttribute("data-uploading"),
        check: form.getAttribute("data-checking"),
        import: form.getAttribute("data-importing")
      };
      status.hidden = false;
      form.querySelector("button[type=submit]").disabled = true;

      function show(done, total, label) {
        if (total > 0) { bar.max = total; bar.value = done; } else { bar.removeAttribute("value"); }
        text.textContent = label + (total > 0 ? " " + done + " / " + total : "");
      }
      function poll() {
        fetch(url, { credentials: "same-origin", cache: "no-store" })
          .then(function (r) { return r.json(); })
          .then(function (p) {
            if (p.phase === "check") { show(p.done, p.total, words.check); }
            if (p.phase === "import") { show(p.done, p.total, words.import); }
          })
          .catch(function () {})
          .then(function () { timer = window.setTimeout(poll, 700); });
      }
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action || window.location.href);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) { show(e.loaded, e.total, words.upload); }
      });
      xhr.upload.addEventListener("load", function () { show(0, 0, words.check); poll(); });
      xhr.addEventListener("load", function () {
        window.clearTimeout(timer);
        var target = xhr.responseURL || "";
        if (target && target.split("#")[0] !== (form.action || window.location.href)) {
          window.location.assign(target);
          return;
        }
        var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
        var main = page.querySelector("main");
        if (main) { document.querySelector("main").replaceWith(main); setUp(); }
      });
      xhr.addEventListener("error", function () { form.submit(); });
      xhr.send(new FormData(form));
    });
  }
  function follow() {
    var status = document.getElementById("job-status");
    if (!status || !window.fetch) { return; }
    var bar = document.getElementById("job-progress");
    var text = document.getElementById("job-label");
    var words = {
      check: status.getAttribute("data-checking"),
      import: status.getAttribute("data-importing"),
      waiting: status.getAttribute("data-waiting")
    };
    function poll() {
      fetch(status.getAttribute("data-progress"), { credentials: "same-origin", cache: "no-store" })
        .then(function (r) { return r.json(); })
        .then(function (p) {
          if (["done", "refused", "failed"].indexOf(p.state) >= 0) { window.location.reload(); return; }
          if (p.total > 0) { bar.max = p.total; bar.value = p.done; }
          text.textContent = (words[p.phase] || words.waiting) + (p.total > 0 ? " " + p.done + " / " + p.total : "");
          window.setTimeout(poll, 1000);
        })
        .catch(function () { window.setTimeout(poll, 3000); });
    }
    poll();
  }
  setUp();
  follow();
})();
