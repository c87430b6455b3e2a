/* cocity needs maps: progressive enhancement with Leaflet (served from the django-leaflet
 * package's static files). Without scripts, the report form takes a district or coordinates and
 * the map page shows its server-drawn SVG and table; this file only adds the interactive maps.
 * Tiles are fetched only when the page's configuration names a tile URL (COCITY_TILE_URL). */
(function () {
  "use strict";
  if (!window.L || !document.querySelector) {
    return;
  }
  var L = window.L;
  var LEVEL_COLOURS = ["#fee8c8", "#fdbb84", "#fc8d59", "#e34a33", "#b30000"];

  function readConfig(id) {
    var el = document.getElementById(id);
    if (!el) {
      return null;
    }
    try {
      return JSON.parse(el.textContent);
    } catch (e) {
      return null;
    }
  }

  /* A map showing the district outlines (and tiles, if configured), fitted to the city. */
  function cityMap(el, config) {
    var map = L.map(el, { scrollWheelZoom: false, zoomSnap: 0.25, zoomControl: false });
    L.control
      .zoom({
        zoomInTitle: config.zoom_in || "Zoom in",
        zoomOutTitle: config.zoom_out || "Zoom out",
      })
      .addTo(map);
    if (config.tiles) {
      L.tileLayer(config.tiles, {
        attribution: config.attribution || "",
        maxZoom: 19,
      }).addTo(map);
    } else {
      el.classList.add("no-tiles");
    }
    var outlines = L.geoJSON(config.districts, {
      interactive: false,
      style: function () {
        return {
          color: "#0b5d4b",
          weight: 2,
          fill: !config.tiles,
          fillColor: "#eef4f2",
          fillOpacity: 1,
        };
      },
    }).addTo(map);
    if (!config.tiles) {
      // no tile server: the gazetteer's streets and the district names are the background
      if (config.streets) {
        L.geoJSON(config.streets, {
          interactive: false,
          style: function () {
            return { color: "#9aa5ad", weight: 4, opacity: 0.9 };
          },
          pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, { radius: 3, color: "#0b5d4b", weight: 1 });
          },
          onEachFeature: function (feature, layer) {
            if (feature.geometry.type === "LineString") {
              layer.bindTooltip(feature.properties.name, {
                permanent: true,
                direction: "center",
                className: "street-label",
              });
            }
          },
        }).addTo(map);
        // street names only when close enough to read them
        var toggleNames = function () {
          el.classList.toggle("far", map.getZoom() < 16);
        };
        map.on("zoomend", toggleNames);
        map.whenReady(toggleNames);
      }
      outlines.eachLayer(function (layer) {
        layer.bindTooltip(layer.feature.properties.name, {
          permanent: true,
          direction: "center",
          className: "district-label",
        });
      });
    }
    var bounds = outlines.getBounds();
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [8, 8] });
    } else {
      map.setView([0, 0], 2);
    }
    map.attributionControl.setPrefix(false);
    return { map: map, outlines: outlines };
  }

  /* The public map page: the same cells as the SVG, as a zoomable layer. */
  function reportMap() {
    var config = readConfig("report-map-config");
    var box = document.getElementById("report-map");
    if (!config || !box) {
      return;
    }
    box.hidden = false;
    var city = cityMap(box, config);
    L.geoJSON(config.cells, {
      style: function (feature) {
        return {
          color: "#ffffff",
          weight: 1,
          fillColor: LEVEL_COLOURS[(feature.properties.level || 1) - 1],
          fillOpacity: 0.8,
        };
      },
      onEachFeature: function (feature, layer) {
        layer.bindTooltip(feature.properties.label || String(feature.properties.count));
        // selecting a cell lists its reports (the same page as the SVG's and the table's links)
        layer.on("click", function () {
          var params = new URLSearchParams(window.location.search);
          params.set("cell", feature.properties.cell);
          window.location.href = "?" + params.toString() + "#cell-reports";
        });
      },
    }).addTo(city.map);
    // the district borders on top of the cells
    L.geoJSON(config.districts, {
      interactive: false,
      style: function () {
        return { color: "#0b5d4b", weight: 2.5, fill: false };
      },
    }).addTo(city.map);
    var svg = document.getElementById("report-map-svg");
    if (svg) {
      svg.setAttribute("hidden", "");  // the Leaflet map replaces the static drawing
    }
  }

  /* The report form's place step: tap the map (or use its centre, or the device's location)
   * to fill the latitude and longitude fields; typing coordinates moves the marker. */
  function placePicker() {
    var config = readConfig("place-map-config");
    var wrapper = document.getElementById("place-picker");
    var box = document.getElementById("place-map");
    var lat = document.getElementById("id_lat");
    var lon = document.getElementById("id_lon");
    if (!config || !wrapper || !box || !lat || !lon) {
      return;
    }
    wrapper.hidden = false;
    var city = cityMap(box, config);
    var map = city.map;
    var status = document.getElementById("place-status");
    var marker = null;

    function show(latlng, pan) {
      if (!marker) {
        marker = L.circleMarker(latlng, {
          radius: 9,
          color: "#8a1c1c",
          weight: 3,
          fillColor: "#ffffff",
          fillOpacity: 0.7,
        }).addTo(map);
      } else {
        marker.setLatLng(latlng);
      }
      if (pan) {
        map.panTo(latlng);
      }
    }

    function choose(latlng) {
      lat.value = latlng.lat.toFixed(6);
      lon.value = latlng.lng.toFixed(6);
      show(latlng, false);
      if (status) {
        status.textContent = (status.getAttribute("data-set") || "")
          .replace("{lat}", lat.value)
          .replace("{lon}", lon.value);
      }
    }

    function fromFields() {
      var a = parseFloat(lat.value);
      var b = parseFloat(lon.value);
      if (isFinite(a) && isFinite(b) && Math.abs(a) <= 90 && Math.abs(b) <= 180) {
        show(L.latLng(a, b), true);
      }
    }

    map.on("click", function (event) {
      choose(event.latlng);
    });
    lat.addEventListener("change", fromFields);
    lon.addEventListener("change", fromFields);
    document.getElementById("place-centre").addEventListener("click", function () {
      choose(map.getCenter());
    });
    var locate = document.getElementById("place-locate");
    if (!navigator.geolocation) {
      locate.hidden = true;
    } else {
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(
          function (position) {
            var here = L.latLng(position.coords.latitude, position.coords.longitude);
            map.setView(here, 17);
            choose(here);
          },
          function () {
            if (status) {
              status.textContent = status.getAttribute("data-error") || "";
            }
          },
          { enableHighAccuracy: true, timeout: 10000 }
        );
      });
    }
    // choosing a district zooms the map to it, so the exact spot is one tap away
    var district = document.getElementById("id_district");
    if (district) {
      district.addEventListener("change", function () {
        city.outlines.eachLayer(function (layer) {
          if (String(layer.feature.properties.id) === district.value) {
            map.fitBounds(layer.getBounds());
          }
        });
      });
    }
    // a place picked from the address search fills the fields and moves the marker
    var address = document.getElementById("id_address");
    function pick(radio) {
      lat.value = radio.getAttribute("data-lat");
      lon.value = radio.getAttribute("data-lon");
      if (address && (!address.value || address.getAttribute("data-auto") === "1")) {
        address.value = radio.getAttribute("data-address");
        address.setAttribute("data-auto", "1");
      }
      map.setView(L.latLng(parseFloat(lat.value), parseFloat(lon.value)), 17);
    }
    document.querySelectorAll("input[name=place]").forEach(function (radio) {
      radio.addEventListener("change", function () {
        pick(radio);
        fromFields();
      });
      if (radio.checked && !lat.value) {
        pick(radio);
      }
    });
    fromFields();
  }

  function start() {
    reportMap();
    placePicker();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
