// Dash 4 renders RadioItems and Checklist as an ARIA listbox of options that wrap native
// inputs, which hides the inputs' own semantics (axe: nested-interactive,
// aria-input-field-name). The native inputs inside each <fieldset> already form a radio group
// named by its <legend>, so the wrapper roles are removed whenever Dash renders them.
(function () {
  function restoreNativeSemantics(root) {
    root.querySelectorAll('.dash-radioitems[role], .dash-checklist[role]').forEach(function (list) {
      list.removeAttribute('role');
    });
    root.querySelectorAll('.dash-radioitems [role="option"], .dash-checklist [role="option"]').forEach(function (option) {
      option.removeAttribute('role');
      option.removeAttribute('aria-selected');
    });
  }
  new MutationObserver(function () { restoreNativeSemantics(document); })
    .observe(document.documentElement, {subtree: true, childList: true, attributes: true,
                                         attributeFilter: ['role', 'aria-selected']});
})();
