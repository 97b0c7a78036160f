// Tag page: wait for the analysis to finish (then reload), and filter the list of other tags.
(function () {
  var analysing = document.getElementById('analysing');
  if (analysing) {
    var url = analysing.getAttribute('data-status-url');
    var delay = 1000;
    var poll = function () {
      fetch(url, { credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (data.finished) { window.location.reload(); return; }
          delay = Math.min(delay * 1.5, 5000);
          setTimeout(poll, delay);
        })
        .catch(function () { setTimeout(poll, 5000); });
    };
    setTimeout(poll, delay);
  }
  var filter = document.getElementById('tag-filter');
  if (filter) {
    var fold = function (s) {
      return s.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
    };
    filter.addEventListener('input', function () {
      var q = fold(filter.value.trim());
      document.querySelectorAll('#other-tags .tag-group').forEach(function (group) {
        var found = 0;
        group.querySelectorAll('.facet').forEach(function (el) {
          el.hidden = q && fold(el.getAttribute('data-name')).indexOf(q) === -1;
          if (!el.hidden) { found += 1; }
        });
        group.hidden = q && !found;            // groups without a match step aside
        group.open = q ? found > 0 : group.hasAttribute('data-open');
      });
    });
  }
  // The save bar says how many tags are ticked, as they are ticked.
  var form = document.getElementById('tag-form');
  var chosen = document.getElementById('chosen-count');
  if (form && chosen) {
    var count = function () {
      var n = form.querySelectorAll('input[name=tags]:checked').length;
      chosen.textContent = n + ' đặc điểm đã chọn';
    };
    form.addEventListener('change', count);
    count();
  }
})();
