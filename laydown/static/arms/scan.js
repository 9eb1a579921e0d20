/* Laydown: fill a tag or serial field from the camera, where the browser can read codes.
 *
 * Progressive enhancement, no dependencies: for every input marked data-scan, and only when
 * the browser offers BarcodeDetector and a camera, add a "Scan" button next to it. Without
 * them the field is typed as usual (or filled by a handheld scanner acting as a keyboard).
 */
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices ||
      !navigator.mediaDevices.getUserMedia) {
    return;
  }
  var WANTED = ["qr_code", "code_128", "code_39", "data_matrix", "ean_13", "pdf417"];
  var script = document.currentScript;
  var label = (script && script.getAttribute("data-label")) || "Scan";

  function stop(stream, dialog) {
    stream.getTracks().forEach(function (track) { track.stop(); });
    dialog.remove();
  }

  function scanInto(input) {
    window.BarcodeDetector.getSupportedFormats().then(function (supported) {
      var formats = WANTED.filter(function (f) { return supported.indexOf(f) !== -1; });
      var detector = new window.BarcodeDetector({ formats: formats });
      var dialog = document.createElement("dialog");
      dialog.className = "scan-dialog";
      var video = document.createElement("video");
      video.setAttribute("playsinline", "");
      video.muted = true;
      var cancel = document.createElement("button");
      cancel.type = "button";
      cancel.textContent = "×";
      dialog.append(video, cancel);
      document.body.append(dialog);
      return navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
        .then(function (stream) {
          var done = false;
          cancel.addEventListener("click", function () { done = true; stop(stream, dialog); });
          dialog.addEventListener("close", function () { done = true; stop(stream, dialog); });
          video.srcObject = stream;
          dialog.showModal();
          return video.play().then(function () {
            (function look() {
              if (done) { return; }
              detector.detect(video).then(function (codes) {
                if (codes.length && !done) {
                  done = true;
                  input.value = codes[0].rawValue.trim();
                  input.dispatchEvent(new Event("change", { bubbles: true }));
                  stop(stream, dialog);
                  input.focus();
                } else {
                  window.setTimeout(look, 200);
                }
              }).catch(function () { window.setTimeout(look, 400); });
            })();
          });
        })
        .catch(function () { dialog.remove(); input.focus(); });
    });
  }

  document.querySelectorAll("input[data-scan]").forEach(function (input) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "scan";
    button.textContent = label;
    button.setAttribute("aria-label", label + ": " + (input.labels && input.labels[0] ?
      input.labels[0].textContent : input.name));
    button.addEventListener("click", function () { scanInto(input); });
    input.insertAdjacentElement("afterend", button);
  });
})();
