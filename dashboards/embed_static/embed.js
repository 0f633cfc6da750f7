// Draws the chart whose figure the page carries as JSON. Narrow frames get smaller text and
// no mode bar, so the chart stays readable at 320px.
(function () {
  "use strict";
  var holder = document.getElementById("chart");
  var figure = JSON.parse(document.getElementById("figure-data").textContent);
  var layout = figure.layout || {};
  delete layout.title;                    // the page's <h1> carries the title
  delete layout.width;
  layout.autosize = true;
  var narrow = holder.clientWidth < 500;
  if (narrow) {
    // The h1 names the measure, so the axis title goes; value labels marked "narrow-hide"
    // (the figure says which) give way to the bars; the legend title sits above its items.
    layout.font = Object.assign({}, layout.font, {size: 11});
    layout.margin = Object.assign({}, layout.margin, {l: 4, r: 12});
    Object.keys(layout).forEach(function (key) {
      if (/^xaxis/.test(key) && layout[key]) { delete layout[key].title; }
      if (/^legend/.test(key) && layout[key]) {
        layout[key].title = Object.assign({}, layout[key].title, {side: "top"});
      }
    });
    var range = (layout.xaxis || {}).range;
    (layout.annotations || []).forEach(function (note) {
      // Labels on lines in the right half are drawn leftwards, so none runs off the frame.
      if (note.xref !== "paper" && range && typeof note.x === "number") {
        note.xanchor = note.x > (range[0] + range[1]) / 2 ? "right" : "left";
      }
    });
    figure.data.forEach(function (trace) {
      if (trace.meta === "narrow-hide") { trace.visible = false; }
    });
  }
  Plotly.newPlot(holder, figure.data, layout,
                 {responsive: true, displaylogo: false, displayModeBar: !narrow}).then(function () {
    holder.setAttribute("data-rendered", "true");
  });
})();
