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
      document.querySelectorAll('#other-tags .facet').forEach(function (el) {
        el.hidden = q && fold(el.getAttribute('data-name')).indexOf(q) === -1;
      });
    });
  }
})();
