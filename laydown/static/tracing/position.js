// Fill the recovery form's latitude and longitude from the device (progressive enhancement:
// without JavaScript or permission the fields are typed, or a place's P-code is given).
(function () {
  "use strict";
  var button = document.getElementById("use-position");
  var lat = document.getElementById("id_lat");
  var lon = document.getElementById("id_lon");
  if (!button || !lat || !lon || !("geolocation" in navigator)) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(
      function (pos) {
        lat.value = pos.coords.latitude.toFixed(6);
        lon.value = pos.coords.longitude.toFixed(6);
        button.disabled = false;
      },
      function () { button.disabled = false; },
      { enableHighAccuracy: true, timeout: 15000 }
    );
  });
})();
