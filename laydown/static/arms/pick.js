// Pick a site's position on a tiled map (when a tile server is configured): a click fills
// the latitude and longitude fields; typing in them moves the marker. Without JavaScript or
// tiles the fields are typed as they are.
(function () {
  "use strict";
  var box = document.getElementById("pick-map");
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  if (!box || !lat || !lon || typeof L === "undefined" || !box.dataset.tiles) return;
  box.hidden = false;
  var map = L.map(box);
  L.tileLayer(box.dataset.tiles, { maxZoom: 18 }).addTo(map);
  var marker = null;
  function typed() {
    var a = parseFloat(lat.value), b = parseFloat(lon.value);
    return isNaN(a) || isNaN(b) ? null : [a, b];
  }
  function place(at) {
    if (marker) { marker.setLatLng(at); } else { marker = L.marker(at).addTo(map); }
  }
  var start = typed();
  if (start) { map.setView(start, 12); place(start); } else { map.setView([20, 0], 2); }
  map.on("click", function (event) {
    lat.value = event.latlng.lat.toFixed(6);
    lon.value = L.Util.wrapNum(event.latlng.lng, [-180, 180], true).toFixed(6);
    place([parseFloat(lat.value), parseFloat(lon.value)]);
  });
  [lat, lon].forEach(function (input) {
    input.addEventListener("change", function () {
      var at = typed();
      if (at) { place(at); map.setView(at, Math.max(map.getZoom(), 10)); }
    });
  });
})();
