// The renderer's page (dashboards/render_service.py): plotly.js is loaded once, and each
// picture is drawn into the same <div> and serialised there, as Plotly.toImage does but
// without its second plot of a hidden copy. The bytes are those toImage gives.
"use strict";

// An annotation hung below the plot (y=0, yanchor top) is placed from the plot's bottom edge,
// which moves up when an axis grows its margin for a legend placed against the page: put it
// back where its yshift was planned (the report footer must not overlap the axis).
async function keepPinned(gd, layout, name) {
  const notes = layout.annotations || [];
  const index = notes.findIndex((note) => note.name === name);
  if (index < 0) return;
  const drawn = gd.querySelector(`.annotation[data-index="${index}"]`);
  const where = drawn && /translate\([-\d.]+,([-\d.]+)\)/.exec(drawn.outerHTML);
  if (!where) return;
  const margin = gd._fullLayout.margin;
  const yshift = notes[index].yshift || 0;
  const planned = gd._fullLayout.height - margin.b - yshift;
  const push = planned - parseFloat(where[1]);
  if (push > 0.5) {
    await Plotly.relayout(gd, {[`annotations[${index}].yshift`]: yshift - push});
  }
}

// Returns a data URL (png), the SVG text (svg), or, for pdf, [width, height] once the picture
// is shown in the print <img> (the service then prints the page at that size).
window.drawPicture = async function (figureText, format, scale, pin) {
  const figure = JSON.parse(figureText);
  const layout = figure.layout || {};
  const gd = document.getElementById("plot");
  const print = document.getElementById("print");
  print.removeAttribute("src");
  Plotly.purge(gd);
  await Plotly.newPlot(gd, figure.data || [], layout, {staticPlot: true});
  if (pin) await keepPinned(gd, layout, pin);
  const delay = Plotly.Snapshot.getDelay(gd._fullLayout);
  if (delay) await new Promise((resolve) => setTimeout(resolve, delay));
  const width = gd._fullLayout.width;
  const height = gd._fullLayout.height;
  const svg = Plotly.Snapshot.toSVG(gd, format === "pdf" ? "svg" : format, scale);
  Plotly.purge(gd);
  if (format === "svg") return svg;
  if (format === "pdf") {
    print.style.width = `${width}px`;
    print.style.height = `${height}px`;
    print.src = "data:image/svg+xml;charset=utf-8," + encodeURIComponent(svg);
    await print.decode();
    return [width, height];
  }
  return await Plotly.Snapshot.svgToImg({
    format, width, height, scale, svg, canvas: document.createElement("canvas"), promise: true});
};
