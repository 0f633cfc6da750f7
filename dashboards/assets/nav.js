// The reader's council travels between pages: when the URL names one (?council=E08000037, or a
// council's own profile /area/E08000037), every link in the site navigation carries it, so the
// next page marks it too. Pages rewrite their URL as controls change, so this runs on each render.
(function () {
  var COUNCIL = /^E(0[6-9]|10)\d{6}$/;
  function chosen() {
    var match = /[?&]council=([^&#]+)/.exec(window.location.search);
    var code = match ? decodeURIComponent(match[1]) : null;
    if (!code) {
      var area = /^\/area\/([A-Za-z0-9]+)/.exec(window.location.pathname);
      code = area ? area[1].toUpperCase() : null;
    }
    return code && COUNCIL.test(code) ? code : null;
  }
  function apply() {
    var code = chosen();
    document.querySelectorAll('.site-nav a').forEach(function (link) {
      var base = link.getAttribute('href').split('?')[0];
      var wanted = code && base !== '/sources' ? base + '?council=' + encodeURIComponent(code) : base;
      if (link.getAttribute('href') !== wanted) { link.setAttribute('href', wanted); }
    });
  }
  new MutationObserver(apply).observe(document.documentElement, {subtree: true, childList: true});
  window.addEventListener('popstate', apply);
  apply();
})();
