/* Read-only BPMN diagrams: draws every [data-bpmn-diagram] with bpmn-js NavigatedViewer and marks
   the given element ids with the "khedmat-current" class. No build step; no external request. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function draw(root) {
    var xml = readJson(root.dataset.xmlId);
    var highlight = readJson(root.dataset.highlightId) || [];
    if (!xml || typeof window.BpmnJS !== "function") {
      return;
    }
    var viewer = new window.BpmnJS({ container: root });
    viewer.importXML(xml).then(function () {
      var canvas = viewer.get("canvas");
      var registry = viewer.get("elementRegistry");
      canvas.zoom("fit-viewport", "auto");
      highlight.forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, "khedmat-current");
        }
      });
      root.dataset.rendered = "true";
    }).catch(function () {
      root.textContent = root.dataset.error || "";
    });
  }

  function start() {
    document.querySelectorAll("[data-bpmn-diagram]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
