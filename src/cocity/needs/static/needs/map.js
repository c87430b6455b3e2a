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
    var map = L.map(el, {
      scrollWheelZoom: false,
      zoomSnap: 0.25,
      zoomControl: false,
      maxZoom: 19,
    });
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
    var cells = L.geoJSON(config.cells, {
      style: function (feature) {
        return {
          className: "map-cell",
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
    var borders = L.geoJSON(config.districts, {
      interactive: false,
      style: function () {
        return { color: "#0b5d4b", weight: 2.5, fill: false };
      },
    }).addTo(city.map);
    var svg = document.getElementById("report-map-svg");
    if (svg) {
      svg.setAttribute("hidden", "");  // the Leaflet map replaces the static drawing
    }
    if (config.selected) {
      // a selected cell: outlined, and the map zoomed in on it (where its reports are pins)
      L.polygon(config.selected.ring, {
        interactive: false,
        color: "#1b1f23",
        weight: 2,
        dashArray: "6 4",
        fill: false,
      }).addTo(city.map);
      city.map.fitBounds(config.selected.bounds, { padding: [12, 12], maxZoom: 17 });
    }
    if (config.points && window.fetch && window.URLSearchParams) {
      pinLayer(city.map, config.points, cells, borders);
    }
  }

  /* Close up, the reports one by one: asked from the points endpoint for the map's view, drawn
   * as pins (a colour and a shape per kind of status), those that would crowd each other on
   * the screen grouped on a grid into a numbered circle. Farther out, or when more reports lie
   * in view than the endpoint returns, the cells with their counts stay. */
  var GROUP_PX = 36;

  function svgIcon(className, viewBox, size, inner) {
    return L.divIcon({
      className: className,
      html:
        '<svg viewBox="' + viewBox + '" width="' + size + '" height="' + size +
        '" aria-hidden="true" focusable="false">' + inner + "</svg>",
      iconSize: [size, size],
    });
  }

  function pinLayer(map, config, cells, borders) {
    var layer = L.layerGroup();
    var points = [];
    var pinsShown = false;
    var controller = null;
    var timer = null;
    var legend = document.getElementById("pin-legend");
    var legendTitle = document.getElementById("pin-legend-title");
    var cellLegend = document.getElementById("cell-legend");
    var mode = document.getElementById("report-map-mode");
    var icons = {};
    Object.keys(config.kinds).forEach(function (kind) {
      icons[kind] = svgIcon(
        "pin-marker",
        "-10 -10 20 20",
        22,
        '<g class="pin pin-' + kind + '"><path d="' + config.kinds[kind].shape + '"/></g>'
      );
    });

    function say(text) {
      if (mode && mode.textContent !== text) {
        mode.textContent = text;
      }
    }

    function showCells(text) {
      points = [];
      layer.clearLayers();
      if (pinsShown) {
        map.removeLayer(layer);
        cells.addTo(map);
        borders.bringToFront();
        pinsShown = false;
      }
      if (legend) {
        legend.hidden = true;
        legendTitle.hidden = true;
      }
      if (cellLegend) {
        cellLegend.hidden = false;
      }
      say(text);
    }

    function showPins() {
      if (!pinsShown) {
        map.removeLayer(cells);
        layer.addTo(map);
        pinsShown = true;
      }
      if (legend) {
        legend.hidden = false;
        legendTitle.hidden = false;
      }
      if (cellLegend) {
        cellLegend.hidden = true;  // the pins' legend instead of the cells'
      }
      say(config.showing);
    }

    function label(f) {
      var p = f.properties;
      return "#" + p.id + " " + p.category_label + " · " + p.status_label;
    }

    function reportLink(f) {
      var a = document.createElement("a");
      a.href = f.properties.url;
      a.textContent = "#" + f.properties.id + " " + f.properties.category_label;
      return a;
    }

    function named(marker, text) {
      marker.on("add", function () {
        marker.getElement().setAttribute("aria-label", text);
      });
      return marker;
    }

    function pin(item) {
      var f = item.f;
      var marker = L.marker(item.ll, { icon: icons[f.properties.kind], title: label(f) });
      var box = document.createElement("div");
      box.className = "pin-popup";
      box.appendChild(reportLink(f));
      box.appendChild(document.createElement("br"));
      box.appendChild(document.createTextNode(f.properties.status_label));
      marker.bindPopup(box);
      return named(marker, label(f));
    }

    function group(members) {
      var lat = 0;
      var lng = 0;
      members.forEach(function (m) {
        lat += m.ll.lat;
        lng += m.ll.lng;
      });
      var n = members.length;
      var size = n < 10 ? 28 : n < 100 ? 32 : 38;
      var r = size / 2 - 1;
      var icon = svgIcon(
        "pin-cluster",
        -size / 2 + " " + -size / 2 + " " + size + " " + size,
        size,
        '<circle r="' + r + '"/><text>' + n + "</text>"
      );
      var title = config.group.replace("{n}", n);
      var marker = L.marker(L.latLng(lat / n, lng / n), { icon: icon, title: title });
      // reports that stay together even at the closest zoom are listed instead
      var top = map.getMaxZoom();
      var spread = L.bounds(
        members.map(function (m) {
          return map.project(m.ll, top);
        })
      );
      var together = spread.getSize().x < GROUP_PX && spread.getSize().y < GROUP_PX;
      if (together || map.getZoom() >= top) {
        var box = document.createElement("div");
        box.className = "pin-popup";
        box.appendChild(document.createTextNode(config.group_list.replace("{n}", n)));
        var list = document.createElement("ul");
        members.forEach(function (m) {
          var li = document.createElement("li");
          li.appendChild(reportLink(m.f));
          li.appendChild(document.createTextNode(" · " + m.f.properties.status_label));
          list.appendChild(li);
        });
        box.appendChild(list);
        marker.bindPopup(box);
        return named(marker, config.group_list.replace("{n}", n));
      }
      function zoomIn() {
        map.fitBounds(
          L.latLngBounds(
            members.map(function (m) {
              return m.ll;
            })
          ),
          { padding: [GROUP_PX, GROUP_PX], maxZoom: top }
        );
      }
      marker.on("click", zoomIn);
      marker.on("keypress", function (event) {
        if (event.originalEvent.keyCode === 13) {
          zoomIn();
        }
      });
      return named(marker, title);
    }

    function draw() {
      layer.clearLayers();
      var zoom = map.getZoom();
      var slots = {};
      var order = [];
      points.forEach(function (f) {
        var ll = L.latLng(f.geometry.coordinates[1], f.geometry.coordinates[0]);
        var at = map.project(ll, zoom);  // world pixels: the grid stays put while panning
        var key = Math.floor(at.x / GROUP_PX) + ":" + Math.floor(at.y / GROUP_PX);
        if (!slots[key]) {
          slots[key] = [];
          order.push(key);
        }
        slots[key].push({ f: f, ll: ll });
      });
      order.forEach(function (key) {
        var members = slots[key];
        layer.addLayer(members.length === 1 ? pin(members[0]) : group(members));
      });
    }

    function refresh() {
      if (map.getZoom() < config.zoom) {
        showCells("");
        return;
      }
      var b = map.getBounds();
      var box = [
        Math.max(-180, b.getWest()),
        Math.max(-90, b.getSouth()),
        Math.min(180, b.getEast()),
        Math.min(90, b.getNorth()),
      ].map(function (v) {
        return v.toFixed(5);
      });
      var params = new URLSearchParams(config.query);
      params.set("bbox", box.join(","));
      if (controller) {
        controller.abort();
      }
      controller = window.AbortController ? new AbortController() : null;
      fetch(config.url + "?" + params.toString(), {
        credentials: "same-origin",
        headers: { Accept: "application/json" },
        signal: controller ? controller.signal : undefined,
      })
        .then(function (response) {
          return response.ok ? response.json() : null;
        })
        .then(function (data) {
          if (!data || data.truncated) {
            showCells(config.counting);
            return;
          }
          points = data.features;
          showPins();
          draw();
        })
        .catch(function () {
          // aborted by a newer view, or offline: what is drawn stays
        });
    }

    // an open popup stays: the view it pans to is fetched once it closes
    var popup = false;
    var stale = false;
    function later() {
      window.clearTimeout(timer);
      timer = window.setTimeout(refresh, 150);
    }
    map.on("popupopen", function () {
      popup = true;
    });
    map.on("popupclose", function () {
      popup = false;
      if (stale) {
        stale = false;
        later();
      }
    });
    map.on("moveend", function () {
      if (popup) {
        stale = true;
      } else {
        later();
      }
    });
    refresh();
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
