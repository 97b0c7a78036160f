// The filter sheet (a <details>) closes from its own "Đóng" button and with Escape.
(function () {
  var sheet = document.getElementById('filter-sheet');
  if (!sheet) return;
  var close = sheet.querySelector('.sheet-close');
  if (close) close.addEventListener('click', function () { sheet.open = false; });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') sheet.open = false; });
})();
