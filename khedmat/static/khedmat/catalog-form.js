/* Khedmat application forms: show-if conditions, rows of repeating groups, the Jalali date picker.
   Progressive enhancement only: the server evaluates the same conditions and checks every answer. */
(function () {
  "use strict";
  var TRUTHY = [true, "true", "1", 1, "on", "yes"];

  function valueOf(form, key) {
    var elements = form.querySelectorAll('[name="' + key + '"]');
    if (!elements.length) return null;
    var first = elements[0];
    if (first.type === "checkbox") return first.checked ? true : "";
    if (first.type === "radio") {
      for (var i = 0; i < elements.length; i++) if (elements[i].checked) return elements[i].value;
      return "";
    }
    return first.value;
  }

  function holds(condition, value) {
    var op = condition.op || "equals";
    var filled = value !== null && value !== "" && value !== false;
    if (op === "checked") return filled;
    if (op === "empty") return !filled;
    if (!filled) return op === "not_equals";
    function same(expected) {
      if (typeof value === "boolean" || typeof expected === "boolean") {
        return (value === true) === (TRUTHY.indexOf(expected) !== -1);
      }
      return String(value) === String(expected);
    }
    if (op === "in") return (condition.value || []).some(same);
    return op === "not_equals" ? !same(condition.value) : same(condition.value);
  }

  function refresh(form) {
    var hidden = {};
    form.querySelectorAll("[data-field-key]").forEach(function (box) {
      var raw = box.getAttribute("data-show-if");
      if (!raw) return;
      var condition = JSON.parse(raw);
      var show = !hidden[condition.field] && holds(condition, valueOf(form, condition.field));
      box.hidden = !show;
      if (!show) hidden[box.getAttribute("data-field-key")] = true;
    });
  }

  function addRow(group) {
    var counter = group.querySelector("[data-row-count]");
    var count = parseInt(counter.value, 10) || 0;
    var max = parseInt(group.getAttribute("data-max-rows"), 10) || 10;
    if (count >= max) return;
    var template = group.querySelector("template[data-row-template]");
    var holder = document.createElement("ol");
    holder.innerHTML = template.innerHTML.split("__index__").join(String(count));
    var row = holder.firstElementChild;
    group.querySelector(".group-rows").appendChild(row);
    counter.value = String(count + 1);
    var field = row.querySelector("input, select, textarea");
    if (field) field.focus();
    group.querySelector("[data-add-row]").hidden = count + 1 >= max;
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-answer-form]").forEach(function (box) {
      var form = box.closest("form") || box;
      form.addEventListener("change", function () { refresh(form); });
      form.addEventListener("input", function () { refresh(form); });
      refresh(form);
    });
    document.querySelectorAll(".repeating-group").forEach(function (group) {
      var button = group.querySelector("[data-add-row]");
      var count = parseInt(group.querySelector("[data-row-count]").value, 10) || 0;
      button.hidden = count >= (parseInt(group.getAttribute("data-max-rows"), 10) || 10);
      button.addEventListener("click", function () { addRow(group); });
    });
    if (window.jalaliDatepicker && document.querySelector("input[data-jdp]")) {
      window.jalaliDatepicker.startWatch({ autoReadOnlyInput: false, persianDigits: false, zIndex: 1050 });
    }
  });
})();
