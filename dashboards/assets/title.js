// Each page names itself: page_shell() renders a hidden #page-title whose data-title is the
// document title for that page (Dash's index has one <title> for every page).
(function () {
  var UPDATING = 'Updating...';   // Dash's update_title while a callback runs
  function apply() {
    var named = document.getElementById('page-title');
    var title = named && named.getAttribute('data-title');
    // While a callback runs Dash shows its update title and puts the previous one back after.
    // Replacing it meanwhile starts a tug of war between Dash's observer and this one that
    // never yields to the event loop: the page hangs.
    if (title && document.title !== title && document.title !== UPDATING) { document.title = title; }
  }
  new MutationObserver(apply).observe(document.documentElement, {subtree: true, childList: true});
  apply();
})();
