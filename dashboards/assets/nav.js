// The reader's council and view travel between pages: when the URL names a council
// (?council=E08000037, or a council's own profile /area/E08000037) and a view (measure, year,
// age band, client group), every link in the site navigation, and each link marked
// "carries-view" (a profile's compare links, a ranking's council names), carries them, so the next page
// shows the same figures for the same council. A page corrects a choice it cannot show to the
// nearest one it can. Pages rewrite their URL as controls change, so this runs on each render.
(function () {
  var COUNCIL = /^E(0[6-9]|10)\d{6}$/;
  var VIEW = ['measure', 'period', 'age_band', 'client_group'];
  function chosenCouncil(search) {
    var code = search.get('council');
    if (!code) {
      var area = /^\/area\/([A-Za-z0-9]+)/.exec(window.location.pathname);
      code = area ? area[1].toUpperCase() : null;
    }
    return code && COUNCIL.test(code) ? code : null;
  }
  function carried(search) {
    var wanted = new URLSearchParams();
    VIEW.forEach(function (name) {
      var value = search.get(name);
      if (value) { wanted.set(name, value); }
    });
    var code = chosenCouncil(search);
    if (code) { wanted.set('council', code); }
    return wanted;
  }
  function withParams(href, params, keepOwn) {
    var parts = href.split('?');
    var merged = new URLSearchParams(keepOwn ? parts[1] || '' : '');
    params.forEach(function (value, name) { merged.set(name, value); });
    var query = merged.toString();
    return parts[0] + (query ? '?' + query : '');
  }
  function apply() {
    var params = carried(new URLSearchParams(window.location.search));
    document.querySelectorAll('.site-nav a').forEach(function (link) {
      var base = link.getAttribute('href').split('?')[0];
      var wanted = base === '/sources' ? base : withParams(base, params, false);
      if (link.getAttribute('href') !== wanted) { link.setAttribute('href', wanted); }
    });
    document.querySelectorAll('a.carries-view').forEach(function (link) {
      var wanted = withParams(link.getAttribute('href'), params, true);
      if (link.getAttribute('href') !== wanted) { link.setAttribute('href', wanted); }
    });
  }
  new MutationObserver(apply).observe(document.documentElement, {subtree: true, childList: true});
  window.addEventListener('popstate', apply);
  apply();
})();
