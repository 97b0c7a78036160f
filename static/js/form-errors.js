// A form sent back with errors opens at its error summary (the page would otherwise reload at the
// top while the error sits lower down); its links lead to the fields.
(function () {
  var summary = document.getElementById('form-errors') || document.getElementById('edit-conflict');
  if (!summary) { return; }
  summary.setAttribute('tabindex', '-1');
  summary.scrollIntoView({ block: 'start' });
  summary.focus({ preventScroll: true });
})();
