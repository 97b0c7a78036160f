// Phone photos are scaled down in the browser before they are uploaded: a 12 MP, 4 MB photo
// becomes ~1600 px and a few hundred KB, so a landlord on 4G waits seconds, not minutes.  The
// photo's EXIF orientation is applied (createImageBitmap "from-image"), then it is re-encoded as
// JPEG.  Photos the browser cannot decode (HEIC on most browsers) are sent as they are; the
// server checks and scales everything again either way.
(function () {
  var form = document.getElementById('room-form');
  var input = form && form.querySelector('input[type=file]');
  if (!input || !window.createImageBitmap || !window.DataTransfer) return;
  var LONGEST = 1600, QUALITY = 0.85, SHRINK_ABOVE = 1024 * 1024;
  var status = document.createElement('p');
  status.className = 'hint';
  status.setAttribute('aria-live', 'polite');
  input.insertAdjacentElement('afterend', status);

  function shrink(file) {
    if (!/^image\/(jpeg|png|webp)$/.test(file.type) || file.size <= SHRINK_ABOVE) return Promise.resolve(file);
    return createImageBitmap(file, { imageOrientation: 'from-image' }).then(function (bitmap) {
      var scale = Math.min(1, LONGEST / Math.max(bitmap.width, bitmap.height));
      var canvas = document.createElement('canvas');
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      bitmap.close();
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          if (!blob || blob.size >= file.size) return resolve(file);
          resolve(new File([blob], file.name.replace(/\.\w+$/, '') + '.jpg', { type: 'image/jpeg' }));
        }, 'image/jpeg', QUALITY);
      });
    }).catch(function () { return file; });
  }

  input.addEventListener('change', function () {
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.some(function (f) { return f.size > SHRINK_ABOVE; })) return;
    var submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    status.textContent = 'Đang thu nhỏ ảnh để tải lên nhanh hơn…';
    Promise.all(files.map(shrink)).then(function (shrunk) {
      var transfer = new DataTransfer();
      shrunk.forEach(function (f) { transfer.items.add(f); });
      input.files = transfer.files;
      var before = files.reduce(function (n, f) { return n + f.size; }, 0);
      var after = shrunk.reduce(function (n, f) { return n + f.size; }, 0);
      status.textContent = 'Ảnh đã sẵn sàng: ' + (after / 1048576).toFixed(1) + ' MB (từ ' + (before / 1048576).toFixed(1) + ' MB).';
      form.dataset.photosShrunk = String(after);
      submit.disabled = false;
    });
  });
})();
