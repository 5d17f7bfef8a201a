// Maps of the registry's places: each <div class="map" data-points="ID"> draws the points of the
// JSON script element ID with Leaflet, served by datasette-leaflet from this server.
const maps = document.querySelectorAll("div.map[data-points]");
const leaflet = window.datasette && window.datasette.leaflet;

function draw(element) {
  const source = document.getElementById(element.dataset.points);
  const points = source ? JSON.parse(source.textContent) : [];
  const map = L.map(element, { scrollWheelZoom: false });
  L.tileLayer(element.dataset.tiles, {
    maxZoom: 18,
    attribution: element.dataset.attribution,
  }).addTo(map);
  const layer = L.featureGroup();
  for (const point of points) {
    const marker = L.circleMarker([point.lat, point.lon], {
      radius: Math.min(5 + 2 * Math.sqrt(point.count || 1), 20),
      color: "#8f1d15",
      weight: 1,
      fillColor: "#c0392b",
      fillOpacity: 0.65,
    });
    const popup = document.createElement("div");
    const link = document.createElement("a");
    link.href = point.url;
    link.textContent = point.label;
    popup.appendChild(link);
    if (point.count) {
      popup.appendChild(
        document.createTextNode(` · ${point.count} deployment${point.count === 1 ? "" : "s"}`)
      );
    }
    marker.bindPopup(popup);
    marker.bindTooltip(point.label);
    layer.addLayer(marker);
  }
  layer.addTo(map);
  if (points.length === 1) {
    map.setView([points[0].lat, points[0].lon], 11);
  } else if (points.length) {
    map.fitBounds(layer.getBounds().pad(0.1));
  } else {
    map.setView([20, 0], 2);
  }
  element.classList.add("map-ready");
}

if (maps.length && leaflet) {
  const stylesheet = document.createElement("link");
  stylesheet.rel = "stylesheet";
  stylesheet.href = leaflet.CSS_URL;
  document.head.appendChild(stylesheet);
  import(leaflet.JAVASCRIPT_URL).then(() => maps.forEach(draw));
}
