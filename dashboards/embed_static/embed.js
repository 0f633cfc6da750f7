// Draws the chart whose figure the page carries as JSON. Narrow frames get smaller text and
// no mode bar, so the chart stays readable at 320px.
(function () {
  "use strict";
  function wrap(text, perLine) {     // words into lines of at most perLine characters
    var lines = [], line = "";
    text.split(" ").forEach(function (word) {
      if (line && (line + " " + word).length > perLine) { lines.push(line); line = word; }
      else { line = line ? line + " " + word : word; }
    });
    return line ? lines.concat([line]) : lines;
  }
  function numericRange(traces) {   // [0, largest x drawn], when the figure fixes no range
    var largest = 0;
    traces.forEach(function (trace) {
      (Array.isArray(trace.x) ? trace.x : []).forEach(function (x) {
        if (typeof x === "number" && x > largest) { largest = x; }
      });
    });
    return largest > 0 ? [0, largest] : null;
  }
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
    // Long category names (a profile's "measure<br>breakdown, year") would take the whole
    // width: each line is re-wrapped to under half the frame, leaving the rest to the plot.
    var labelLine = Math.max(16, Math.floor(holder.clientWidth * 0.45 / (11 * 0.55)));
    var rewrap = function (label) {
      if (typeof label !== "string") { return label; }
      return label.split(/<br\s*\/?>/).map(function (line) {
        return wrap(line, labelLine).join("<br>");
      }).join("<br>");
    };
    var lineCount = function (label) { return String(label).split(/<br\s*\/?>/).length; };
    var addedLines = {};               // per distinct label: the lines wrapping added
    figure.data.forEach(function (trace) {
      if (!Array.isArray(trace.y)) { return; }
      trace.y = trace.y.map(function (label) {
        var wrapped = rewrap(label);
        if (typeof label === "string") { addedLines[label] = lineCount(wrapped) - lineCount(label); }
        return wrapped;
      });
    });
    if (layout.yaxis && Array.isArray(layout.yaxis.categoryarray)) {
      layout.yaxis.categoryarray = layout.yaxis.categoryarray.map(rewrap);
    }
    // Taller labels need taller rows, or they overlap their neighbours.
    var extra = Object.keys(addedLines).reduce(function (sum, key) { return sum + addedLines[key]; }, 0);
    if (extra > 0 && layout.height) { layout.height += extra * 14; }
    // A map keeps its aspect ratio, so at phone width its fixed height is mostly empty space.
    if (layout.yaxis && layout.yaxis.scaleanchor === "x" && layout.height) {
      layout.height = Math.min(layout.height, Math.round(holder.clientWidth * 1.3) + 160);
    }
    var range = (layout.xaxis || {}).range || numericRange(figure.data);
    var plotWidth = holder.clientWidth * 0.6;   // roughly what names on the left leave
    var stacked = 0;
    (layout.annotations || []).forEach(function (note) {
      if (note.xref === "paper" || !range || typeof note.x !== "number") { return; }
      // Labels on reference lines: wrapped to the plot's width, stacked above it, and drawn
      // on whichever side of their line has room, so none runs out of the frame.
      var size = 11, perLine = Math.max(12, Math.floor(plotWidth / (size * 0.55)));
      var lines = wrap(String(note.text), perLine);
      var width = Math.max.apply(null, lines.map(function (l) { return l.length; })) * size * 0.55;
      var at = (note.x - range[0]) / (range[1] - range[0]) * plotWidth;
      note.text = lines.join("<br>");
      note.font = Object.assign({}, note.font, {size: size});
      note.xanchor = at + width <= plotWidth ? "left" : (at - width >= 0 ? "right" : "left");
      if (note.xanchor === "left" && at + width > plotWidth) { note.x = range[0]; }
      if (note.yref === "paper" && note.y === 1) {
        note.yshift = 4 + stacked;
        stacked += lines.length * size * 1.25 + 4;
      }
    });
    if (stacked) {
      layout.margin = Object.assign({}, layout.margin, {t: Math.max((layout.margin || {}).t || 0, stacked + 12)});
    }
    var shownBefore = figure.data.filter(function (trace) { return trace.visible !== false; }).length;
    figure.data.forEach(function (trace) {
      if (trace.meta === "narrow-hide") { trace.visible = false; }
      // A colour bar beside a map takes half a phone's width: lay it along the top instead.
      if (trace.marker && trace.marker.colorbar) {
        trace.marker.colorbar = Object.assign({}, trace.marker.colorbar, {
          orientation: "h", x: 0, xanchor: "left", y: 1.01, yanchor: "bottom", len: 1,
          thickness: 10, title: Object.assign({}, trace.marker.colorbar.title, {side: "top"})});
      }
    });
    // Plotly drops the legend when one trace is left: hiding the value labels must not take
    // the key with them (it may be the only place a bar's "not compared" mark is explained).
    var shownAfter = figure.data.filter(function (trace) { return trace.visible !== false; }).length;
    if (shownBefore > 1 && shownAfter === 1 && layout.showlegend === undefined) { layout.showlegend = true; }
  }
  // Plotly sizes a responsive chart from its container when the frame is resized: without the
  // figure's height on the container a redraw would shrink it to the container's minimum.
  if (layout.height) { holder.style.height = layout.height + "px"; }
  Plotly.newPlot(holder, figure.data, layout,
                 {responsive: true, displaylogo: false, displayModeBar: !narrow}).then(function () {
    holder.setAttribute("data-rendered", "true");
    reportHeight();
  });

  // Self-sizing: the host page cannot see into a frame from another origin, so the embed tells
  // it how tall it is, in the message /embed-assets/resize.js (on the host page) listens for:
  //   {"type": "uptake-embed-height", "version": 1, "src": location.href, "height": N}
  // (N in CSS pixels). Sent after plotly draws, whenever the document's height changes (a
  // ResizeObserver sees wrapping text and a redrawn chart alike), and again when the host asks
  // with {"type": "uptake-embed-height-request"} (its script may load after the first report).
  // The height is no secret, so any parent may read it ("*"); the host script checks where
  // it came from.
  var reported = 0;
  function documentHeight() {
    // The root element's own box, not scrollHeight: scrollHeight never falls below the
    // frame's height, so a frame set too tall could never shrink back.
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }
  function reportHeight(force) {
    var height = documentHeight();
    if (window.parent === window || (height === reported && !force)) { return; }
    reported = height;
    window.parent.postMessage({type: "uptake-embed-height", version: 1, src: location.href, height: height}, "*");
  }
  if (window.ResizeObserver) {
    new ResizeObserver(function () { reportHeight(); }).observe(document.documentElement);
  }
  window.addEventListener("resize", function () { reportHeight(); });
  window.addEventListener("message", function (event) {
    if (event.source === window.parent && event.data && event.data.type === "uptake-embed-height-request") {
      reportHeight(true);
    }
  });
  reportHeight();
})();
