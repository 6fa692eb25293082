// The impact graph on a CI's page: the CI (root) and what its failure reaches, drawn with
// Cytoscape from the JSON the page embeds (#ci-graph-data). Breadth-first from the root, which is
// on the reading side (right in RTL); each node links to its CI's page.
(function () {
  "use strict";
  var box = document.getElementById("ci-graph");
  var source = document.getElementById("ci-graph-data");
  if (!box || !source || typeof window.cytoscape !== "function") {
    return;
  }
  var graph = JSON.parse(source.textContent);
  var rtl = document.documentElement.dir === "rtl";
  var styles = getComputedStyle(document.body);
  var font = styles.fontFamily;
  var elements = graph.nodes.map(function (node) {
    return { data: { id: String(node.id), label: node.label, code: node.code, root: node.root, service: node.service } };
  });
  graph.edges.forEach(function (edge, index) {
    elements.push({ data: { id: "e" + index, source: String(edge.source), target: String(edge.target), kind: edge.kind } });
  });
  var cy = window.cytoscape({
    container: box,
    elements: elements,
    wheelSensitivity: 0.2,
    style: [
      { selector: "node", style: {
        "label": "data(label)", "font-family": font, "font-size": 11, "text-wrap": "wrap",
        "text-max-width": 140, "text-valign": "bottom", "text-margin-y": 4,
        "background-color": "#6c757d", "width": 18, "height": 18 } },
      { selector: "node[?service]", style: { "background-color": "#fd7e14", "shape": "round-rectangle", "width": 24 } },
      { selector: "node[?root]", style: { "background-color": "#dc3545", "width": 26, "height": 26, "font-weight": "bold" } },
      { selector: "edge", style: {
        "width": 1.5, "line-color": "#adb5bd", "target-arrow-color": "#adb5bd",
        "target-arrow-shape": "triangle", "curve-style": "bezier" } }
    ],
    layout: { name: "breadthfirst", directed: false, roots: "[?root]", spacingFactor: 1.1, padding: 16 }
  });
  if (rtl) {
    // Mirror the layout so the failed CI sits on the right, where a right-to-left reader starts.
    var box2 = cy.extent();
    cy.nodes().positions(function (node) {
      var p = node.position();
      return { x: box2.x1 + box2.x2 - p.x, y: p.y };
    });
    cy.fit(undefined, 16);
  }
  cy.on("tap", "node", function (event) {
    var code = event.target.data("code");
    if (code) {
      window.location.href = "../" + encodeURIComponent(code) + "/";
    }
  });
})();
