/* The pain drawing: each SVG region toggles the body-site checkbox of the same name.
   Without this script the checkboxes alone do the work. Loaded with `defer`; no inline
   script or style (CSP). Works for content swapped in by htmx too (event delegation). */
(function () {
  "use strict";

  function checkboxFor(map, site) {
    var name = map.getAttribute("data-body-map");
    return map.querySelector('input[type="checkbox"][name="' + name + '"][value="' + site + '"]');
  }

  function sync(map, site) {
    var box = checkboxFor(map, site);
    if (!box) { return; }
    map.querySelectorAll('[data-site="' + site + '"]').forEach(function (region) {
      region.setAttribute("aria-checked", box.checked ? "true" : "false");
      region.classList.toggle("selected", box.checked);
    });
  }

  function toggle(region) {
    var map = region.closest("[data-body-map]");
    var site = region.getAttribute("data-site");
    var box = map && checkboxFor(map, site);
    if (!box) { return; }
    box.checked = !box.checked;
    box.dispatchEvent(new Event("change", { bubbles: true }));
    sync(map, site);
  }

  function enhance(root) {
    root.querySelectorAll("[data-body-map]").forEach(function (map) {
      var drawing = map.querySelector(".body-map-drawing");
      if (drawing) { drawing.hidden = false; }
      map.querySelectorAll("[data-site]").forEach(function (region) {
        sync(map, region.getAttribute("data-site"));
      });
    });
  }

  document.addEventListener("click", function (event) {
    var region = event.target.closest && event.target.closest("[data-body-map] [data-site]");
    if (region) { toggle(region); }
  });
  document.addEventListener("keydown", function (event) {
    var region = event.target.closest && event.target.closest("[data-body-map] [data-site]");
    if (region && (event.key === "Enter" || event.key === " " || event.key === "Spacebar")) {
      event.preventDefault();
      toggle(region);
    }
  });
  document.addEventListener("change", function (event) {
    var box = event.target;
    var map = box.closest && box.closest("[data-body-map]");
    if (map && box.type === "checkbox") { sync(map, box.value); }
  });
  document.addEventListener("htmx:load", function (event) { enhance(event.target); });
  enhance(document);
}());
