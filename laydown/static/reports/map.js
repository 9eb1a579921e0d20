// Adds a tiled Leaflet map above the plain site map when a tile server is configured.
// The plain SVG map stays: it works with no tiles, no network and no JavaScript.
(function () {
  "use strict";
  var box = document.getElementById("tiled-map");
  var data = document.getElementById("map-markers");
  if (!box || !data || typeof L === "undefined" || !box.dataset.tiles) return;
  var markers = JSON.parse(data.textContent);
  if (!markers.length) return;
  box.hidden = false;
  var map = L.map(box);
  L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution || "" }).addTo(map);
  var bounds = [];
  markers.forEach(function (m) {
    var total = m.items + m.lots + m.materiel;
    L.circleMarker([m.lat, m.lon], { radius: 6 + Math.sqrt(total), color: "#1f3a5f" })
      .bindPopup(m.name + ": " + m.items + " / " + m.lots + " / " + m.materiel)
      .addTo(map);
    bounds.push([m.lat, m.lon]);
  });
  map.fitBounds(bounds, { padding: [30, 30] });
})();
