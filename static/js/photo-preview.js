// Show the chosen photos before upload, and warn early about too many or too large files.
(function () {
  var input = document.querySelector('#room-form input[type=file]');
  var box = document.getElementById('photo-previews');
  if (!input || !box) return;
  var MAX_FILES = 10, MAX_BYTES = 10 * 1024 * 1024;
  input.addEventListener('change', function () {
    box.textContent = '';
    var files = Array.prototype.slice.call(input.files || []);
    if (files.length > MAX_FILES) {
      var warn = document.createElement('p');
      warn.className = 'error';
      warn.textContent = 'Chỉ được chọn tối đa ' + MAX_FILES + ' ảnh.';
      box.appendChild(warn);
    }
    files.forEach(function (file) {
      var figure = document.createElement('figure');
      figure.className = 'preview';
      if (/^image\/(jpeg|png|webp)$/.test(file.type)) {
        var img = document.createElement('img');
        img.src = URL.createObjectURL(file);
        img.alt = file.name;
        img.onload = function () { URL.revokeObjectURL(img.src); };
        figure.appendChild(img);
      }
      var caption = document.createElement('figcaption');
      caption.textContent = file.name + (file.size > MAX_BYTES ? ' (quá lớn)' : '');
      if (file.size > MAX_BYTES || !/^image\/(jpeg|png|webp)$/.test(file.type)) caption.className = 'error';
      figure.appendChild(caption);
      box.appendChild(figure);
    });
  });
})();
