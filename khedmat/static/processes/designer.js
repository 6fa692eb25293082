/* The BPMN designer of the admin: bpmn-js Modeler for a draft (NavigatedViewer when read-only).
   Save exports the drawing into the form's hidden "bpmn_xml" field and posts it (with the CSRF
   token); a chosen .bpmn file is posted as it is instead. No build step; no external request. */
(function () {
  "use strict";

  function readJson(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  function start() {
    var root = document.getElementById("bpmn-designer");
    if (!root || typeof window.BpmnJS !== "function") {
      return;
    }
    var status = document.getElementById("bpmn-designer-status");
    var xml = readJson("bpmn-designer-xml") || "";
    var problemIds = readJson("bpmn-designer-problem-ids") || [];
    var modeler = new window.BpmnJS({ container: root });
    window.khedmatModeler = modeler; // for properties.js

    modeler.importXML(xml).then(function () {
      var canvas = modeler.get("canvas");
      var registry = modeler.get("elementRegistry");
      canvas.zoom("fit-viewport", "auto");
      problemIds.forEach(function (id) {
        if (registry.get(id)) {
          canvas.addMarker(id, "khedmat-problem");
        }
      });
      root.dataset.rendered = "true";
    }).catch(function (error) {
      if (status) {
        status.textContent = (root.dataset.error || "") + " " + (error && error.message ? error.message : "");
      }
    });

    var form = document.getElementById("bpmn-designer-form");
    if (!form || typeof modeler.saveXML !== "function") {
      return;
    }
    form.addEventListener("submit", function (event) {
      var file = form.elements.bpmn_file;
      if (file && file.files && file.files.length) {
        return; // the server reads the uploaded document
      }
      event.preventDefault();
      modeler.saveXML({ format: true }).then(function (result) {
        form.elements.bpmn_xml.value = result.xml;
        form.submit();
      }).catch(function (error) {
        if (status) {
          status.textContent = error && error.message ? error.message : String(error);
        }
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
