// Each page names itself: page_shell() renders a hidden #page-title whose data-title is the
// document title for that page (Dash's index has one <title> for every page).
(function () {
  function apply() {
    var named = document.getElementById('page-title');
    var title = named && named.getAttribute('data-title');
    if (title && document.title !== title) { document.title = title; }
  }
  new MutationObserver(apply).observe(document.documentElement, {subtree: true, childList: true});
  apply();
})();
