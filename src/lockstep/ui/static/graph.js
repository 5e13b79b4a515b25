// The network graph of a network page: members as nodes, edges coloured by trace and sized by weight.
// Data comes from the page's <script type="application/json" id="graph-data"> (no inline script: CSP).
(function () {
  "use strict";
  function draw() {
    var box = document.getElementById("graph");
    var data = document.getElementById("graph-data");
    if (!box || !data || typeof cytoscape !== "function") { return; }
    var graph = JSON.parse(data.textContent);
    var weights = graph.elements.filter(function (e) { return e.data.source; }).map(function (e) { return e.data.weight; });
    var wmax = Math.max.apply(null, weights.concat([1]));
    cytoscape({
      container: box,
      elements: graph.elements,
      layout: { name: "cose", animate: false, randomize: false, nodeRepulsion: function () { return 8000; } },
      wheelSensitivity: 0.3,
      maxZoom: 2,
      style: [
        { selector: "node", style: { "background-color": "#1f2933", "label": "data(label)", "font-size": 9,
                                     "color": "#1f2933", "width": 10, "height": 10 } },
        { selector: "edge", style: { "line-color": "data(colour)", "opacity": 0.6, "curve-style": "haystack",
                                     "width": function (e) { return 0.5 + 3 * e.data("weight") / wmax; } } }
      ]
    });
    box.setAttribute("data-drawn", "true");
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", draw); } else { draw(); }
})();
