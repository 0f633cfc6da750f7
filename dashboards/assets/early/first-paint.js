// Draws the first chart of the page the index carries as HTML (dashboards/first_paint.py) as
// soon as plotly.js has run, then swaps in the live Dash page once it has drawn its own chart.
// Loaded from the index only (assets/early is not one of Dash's page assets).
(function () {
  "use strict";
  var shell = document.getElementById("first-paint");
  if (!shell) { return; }
  var LONGEST_WAIT = 15000;
  var data = document.getElementById("first-paint-figure");
  var holder = shell.querySelector(".first-paint-chart");
  // A chart the page hides at this width (the profile's, on a phone: small multiples instead)
  // is not drawn.
  if (data && holder && holder.offsetParent !== null && window.Plotly) {
    try {
      var figure = JSON.parse(data.textContent);
      var fits = (window.dash_clientside || {}).fit || {};
      var drawn = figure.fit && fits[figure.fit] ? fits[figure.fit](figure) : figure;
      var config = Object.assign({}, figure.config, {responsive: true});
      window.Plotly.newPlot(holder, drawn.data, drawn.layout, config);
    } catch (error) {
      // A chart that cannot be drawn early is drawn by the live page: nothing is lost.
    }
  }

  // Then Dash: its scripts, in order, and its renderer's start once they have run (held in a
  // template until now, so they did not compete with plotly.js for the network and processor).
  // (The template comes after this script in the page: read once the page is parsed.)
  function startDash() {
    var then = document.getElementById("first-paint-then");
    if (!then) { return; }
    var held = Array.prototype.slice.call(then.content.querySelectorAll("script"));
    var start = held.pop();
    var last = null;
    held.forEach(function (script) {
      var added = document.createElement("script");
      added.src = script.getAttribute("src");
      added.async = false;            // run in the order given, as the parser would
      document.body.appendChild(added);
      last = added;
    });
    var begin = function () {
      var renderer = document.createElement("script");
      renderer.id = start.id;
      renderer.textContent = start.textContent;   // Dash's own line, allowed by its CSP hash
      document.body.appendChild(renderer);
    };
    if (last) { last.addEventListener("load", begin); } else { begin(); }
    then.remove();
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", startDash); }
  else { startDash(); }

  var swapped = false;
  function swap() {
    if (swapped) { return; }
    swapped = true;
    observer.disconnect();
    if (window.Plotly && holder) { window.Plotly.purge(holder); }
    shell.remove();
    if (data) { data.remove(); }
    document.body.classList.remove("first-paint");
  }
  // Ready: the live page is there and its first chart has drawn a trace (or it has no chart).
  function ready() {
    var root = document.getElementById("react-entry-point");
    var main = root && root.querySelector("#main");
    if (!main) { return false; }
    var graph = root.querySelector(".dash-graph");
    return !graph || !!graph.querySelector(".main-svg .trace, .main-svg path.point, .main-svg .bars, .main-svg g.choroplethlocation");
  }
  var observer = new MutationObserver(function () { if (ready()) { swap(); } });
  observer.observe(document.documentElement, {childList: true, subtree: true});
  // A page whose first chart stays empty (a message instead of data) is shown soon after it renders.
  var emptyCheck = setInterval(function () {
    var root = document.getElementById("react-entry-point");
    if (root && root.querySelector("#main")) {
      clearInterval(emptyCheck);
      setTimeout(swap, 4000);
    }
  }, 100);
  // The live page should be there long before this. If it is, show it whatever its chart is
  // doing; if it is not (a script blocked or failed), the copy stays: its links work.
  setTimeout(function () {
    var root = document.getElementById("react-entry-point");
    if (root && root.querySelector("#main")) { swap(); }
    else { shell.removeAttribute("aria-busy"); }
  }, LONGEST_WAIT);
})();
