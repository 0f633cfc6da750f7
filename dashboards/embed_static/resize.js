// For pages that embed this site's charts: sizes each chart's iframe to the height its page
// reports, so its legend, source, licence and link back are never cut off.
// Paste once, after the iframes: <script src="https://<this site>/embed-assets/resize.js" async></script>
// This URL and the message it reads stay stable: the snippet lives on in other people's pages.
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) { return; }
  // The site this script came from is the only one whose frames it sizes: a frame or window of
  // any other origin (an advert, the host page itself) cannot set an embed's height.
  var origin = new URL(script.src).origin;
  var installed = "uptakeEmbedResize:" + origin;
  if (window[installed]) { return; }       // the snippet pasted under several charts: one listener
  window[installed] = true;
  // A broken or hostile report must not hide the page or stretch it without end.
  var SHORTEST = 50, TALLEST = 50000;

  function ours(iframe) {
    try { return new URL(iframe.src, location.href).origin === origin; } catch (error) { return false; }
  }
  function embeds() {
    return Array.prototype.filter.call(document.getElementsByTagName("iframe"), ours);
  }
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.type !== "uptake-embed-height") { return; }
    var height = Math.ceil(Number(data.height));
    if (!(height >= SHORTEST && height <= TALLEST)) { return; }
    embeds().forEach(function (iframe) {
      // Only the frame that sent it: two charts on one page each get their own height.
      if (iframe.contentWindow === event.source) {
        iframe.style.height = height + "px";
        iframe.setAttribute("height", String(height));
      }
    });
  });
  // Frames that loaded before this script did have already reported: ask them again. The
  // request carries nothing, so it may go to whatever the frame holds now ("*").
  function ask() {
    embeds().forEach(function (iframe) {
      if (iframe.contentWindow) { iframe.contentWindow.postMessage({type: "uptake-embed-height-request"}, "*"); }
    });
  }
  ask();
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ask); }
})();
