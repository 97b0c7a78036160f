// Review queue from the keyboard: j/k move between rows, x (or Space on a row's box) selects,
// a accepts and r rejects the selected suggestions (the admin's own actions, submitted).
(function () {
  function rows() { return Array.prototype.slice.call(document.querySelectorAll('#result_list tbody tr')); }
  function run(action) {
    var form = document.getElementById('changelist-form');
    var select = form && form.querySelector('select[name=action]');
    if (!select || !form.querySelector('input.action-select:checked')) return;
    select.value = action;
    form.querySelector('button[name=index]').click();
  }
  document.addEventListener('DOMContentLoaded', function () {
    var list = document.getElementById('result_list');
    if (!list) return;
    var hint = document.createElement('p');
    hint.className = 'review-keys';
    hint.textContent = 'Phím tắt: j/k chuyển dòng, x chọn dòng, a chấp nhận, r từ chối các dòng đã chọn.';
    list.parentNode.insertBefore(hint, list);
    var at = -1;
    document.addEventListener('keydown', function (e) {
      var tag = (e.target.tagName || '').toLowerCase();
      if (e.ctrlKey || e.metaKey || e.altKey || tag === 'input' && e.target.type !== 'checkbox' || tag === 'select' || tag === 'textarea') return;
      var all = rows();
      if (e.key === 'j' || e.key === 'k') {
        at = Math.max(0, Math.min(all.length - 1, at + (e.key === 'j' ? 1 : -1)));
        var box = all[at] && all[at].querySelector('input.action-select');
        if (box) box.focus();
      } else if (e.key === 'x' && all[at]) {
        all[at].querySelector('input.action-select').click();
      } else if (e.key === 'a') {
        run('accept');
      } else if (e.key === 'r') {
        run('reject');
      } else {
        return;
      }
      e.preventDefault();
    });
  });
})();
