// The filter sheet (a <details>) closes from its own "Đóng" button and with Escape.
(function () {
  var sheet = document.getElementById('filter-sheet');
  if (!sheet) return;
  var close = sheet.querySelector('.sheet-close');
  if (close) close.addEventListener('click', function () { sheet.open = false; });
  document.addEventListener('keydown', function (e) { if (e.key === 'Escape') sheet.open = false; });

  // As filters are chosen, the button and the per-tag counts follow them: one small request,
  // sent once the renter pauses (a newer answer always wins over an older one).
  var form = document.getElementById('search-form');
  var apply = document.getElementById('sheet-apply');
  var url = form && form.getAttribute('data-count-url');
  if (!form || !apply || !url || !window.fetch) return;
  var timer = null, asked = 0;
  var refresh = function () {
    var mine = ++asked;
    var params = new URLSearchParams(new FormData(form));
    fetch(url + '?' + params.toString(), { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data || mine !== asked) return;
        apply.textContent = 'Xem ' + data.total + ' phòng';
        sheet.querySelectorAll('.count[data-tag]').forEach(function (el) {
          var n = data.counts[el.getAttribute('data-tag')] || 0;
          el.textContent = n;
          var label = el.closest('.facet');
          if (label) {
            var on = label.querySelector('input').checked;
            label.classList.toggle('on', on);
            label.classList.toggle('empty', !n && !on);
          }
        });
      })
      .catch(function () { /* the button's figure stays until the page is sent */ });
  };
  var later = function () { clearTimeout(timer); timer = setTimeout(refresh, 250); };
  sheet.addEventListener('change', later);
  sheet.addEventListener('input', later);
})();
