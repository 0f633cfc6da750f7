// A council added to the profile's trend is a button that removes it. The callback draws the
// buttons anew without it, so the button that had the focus leaves the page and the focus falls
// to <body>: a keyboard user would start again from the top. Instead, once the list is drawn
// without that council, the focus moves to the button now in its place (the next council's),
// else the last one left, else the box to add a council.
(function () {
  var CHIPS = '#profile-with-chips button.chip';
  var WAIT_MS = 10000;              // a removal that never lands (an error) is forgotten
  var pending = null;

  function chips() { return Array.prototype.slice.call(document.querySelectorAll(CHIPS)); }

  document.addEventListener('click', function (event) {
    var button = event.target.closest ? event.target.closest(CHIPS) : null;
    if (!button) { return; }
    pending = {index: chips().indexOf(button), label: button.getAttribute('aria-label'), at: Date.now()};
  }, true);

  function settle() {
    if (!pending) { return; }
    if (Date.now() - pending.at > WAIT_MS) { pending = null; return; }
    var left = chips();
    if (left.some(function (b) { return b.getAttribute('aria-label') === pending.label; })) { return; }
    var target = left.length ? left[Math.min(pending.index, left.length - 1)]
                             : document.getElementById('profile-with-input');
    pending = null;
    if (target && document.activeElement !== target) { target.focus(); }
  }

  new MutationObserver(settle).observe(document.documentElement, {subtree: true, childList: true});
})();
