/* The designer's properties box: what our engine reads from a task, kept as khedmat:* attributes
   (namespace https://khedmat.ir/schema/bpmn/1). A service task's kind (sms, inquiry, letter) and
   parameters; a user task's form key. Lanes name roles or team codes: edit the lane's label.
   Loaded after designer.js, which publishes the modeler as window.khedmatModeler. */
(function () {
  "use strict";

  var NS = "https://khedmat.ir/schema/bpmn/1";
  var FIELDS = {
    "bpmn:ServiceTask": ["kind"],
    "bpmn:UserTask": ["formKey"],
    "bpmn:EndEvent": ["outcome"]
  };
  var KIND_FIELDS = {
    sms: ["template"],
    email: ["template"],
    inquiry: ["inquiry", "field", "result"],
    letter: ["subject"]
  };

  function attributeName(name) {
    return "khedmat:" + name;
  }

  function declareNamespace(modeler) {
    var definitions = modeler.getDefinitions && modeler.getDefinitions();
    if (definitions) {
      definitions.$attrs["xmlns:khedmat"] = NS;
    }
  }

  function start(modeler) {
    var box = document.getElementById("bpmn-properties");
    if (!box) {
      return;
    }
    var modeling = modeler.get("modeling");
    var selected = null;
    var title = box.querySelector("[data-role=element]");

    function show(element) {
      var type = element && element.businessObject && element.businessObject.$type;
      var names = FIELDS[type];
      selected = names ? element : null;
      box.hidden = !names;
      if (!names) {
        return;
      }
      var attrs = element.businessObject.$attrs || {};
      names = names.concat(KIND_FIELDS[attrs[attributeName("kind")]] || []);
      title.textContent = element.businessObject.name || element.id;
      box.querySelectorAll("[data-property]").forEach(function (input) {
        var row = input.closest("[data-for]");
        var visible = names.indexOf(input.dataset.property) >= 0;
        if (row) {
          row.hidden = !visible;
        }
        var key = input.dataset.property === "formKey" ? "formKey" : attributeName(input.dataset.property);
        var value = attrs[key] || attrs[attributeName(input.dataset.property)] || element.businessObject.get(key) || "";
        input.value = visible ? value : "";
      });
    }

    modeler.on("selection.changed", function (event) {
      show(event.newSelection.length === 1 ? event.newSelection[0] : null);
    });
    box.addEventListener("change", function (event) {
      var input = event.target;
      if (!selected || !input.dataset || !input.dataset.property) {
        return;
      }
      declareNamespace(modeler);
      var change = {};
      change[attributeName(input.dataset.property)] = input.value.trim() || undefined;
      modeling.updateProperties(selected, change);
      if (input.dataset.property === "kind") {
        show(selected); // the kind decides which parameters apply
      }
    });
    var form = document.getElementById("bpmn-designer-form");
    if (form) {
      form.addEventListener("submit", function () { declareNamespace(modeler); }, true);
    }
  }

  function wait() {
    if (window.khedmatModeler) {
      start(window.khedmatModeler);
    } else {
      window.setTimeout(wait, 50);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wait);
  } else {
    wait();
  }
})();
