// Photos are scaled down in the browser and uploaded as soon as they are chosen (rooms.drafts), so
// that an error elsewhere in the form never asks for them again: each gets its preview and its own
// message (an unreadable photo is refused alone, at once).  A 12 MP, 4 MB phone photo becomes
// ~1600 px and a few hundred KB (EXIF orientation applied, re-encoded as JPEG); photos the browser
// cannot decode (HEIC on most browsers) go as they are, and the server checks everything again.
// Without fetch/DataTransfer the plain file field uploads with the form, as before.
(function () {
  var form = document.getElementById('room-form');
  var input = form && form.querySelector('input[type=file]');
  var box = document.getElementById('photo-previews');
  if (!input || !box) return;
  var MAX_FILES = 10, MAX_BYTES = 10 * 1024 * 1024;
  var LONGEST = 1600, QUALITY = 0.85, SHRINK_ABOVE = 1024 * 1024;
  var url = box.getAttribute('data-draft-url');
  var token = form.querySelector('input[name=csrfmiddlewaretoken]');
  var canUpload = !!(window.fetch && window.FormData && url && token);
  var status = document.createElement('p');
  status.className = 'hint';
  status.setAttribute('aria-live', 'polite');
  input.insertAdjacentElement('afterend', status);
  var pending = 0;

  function shrink(file) {
    if (!window.createImageBitmap || !/^image\/(jpeg|png|webp)$/.test(file.type) || file.size <= SHRINK_ABOVE) {
      return Promise.resolve(file);
    }
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

  function preview(file) {
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
    figure.appendChild(caption);
    box.appendChild(figure);
    return figure;
  }

  function upload(file, figure) {
    var caption = figure.querySelector('figcaption');
    var data = new FormData();
    data.append('photo', file);
    data.append('csrfmiddlewaretoken', token.value);
    caption.textContent = file.name + ' · đang tải lên…';
    pending += 1;
    return fetch(url, { method: 'POST', body: data, credentials: 'same-origin', headers: { 'Accept': 'application/json' } })
      .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
      .then(function (answer) {
        if (!answer.ok) {                       // refused alone, beside its preview
          figure.classList.add('refused');
          caption.className = 'error';
          caption.textContent = file.name + ': ' + (answer.body.error || 'không tải lên được.');
          return;
        }
        figure.classList.add('uploaded');
        figure.setAttribute('data-draft', answer.body.id);
        caption.textContent = file.name + ' · đã tải lên ';
        var remove = document.createElement('button');
        remove.type = 'button';
        remove.className = 'link remove-draft';
        remove.textContent = 'Bỏ';
        caption.appendChild(remove);
        var hidden = document.createElement('input');
        hidden.type = 'hidden';
        hidden.name = 'draft_photos';
        hidden.value = answer.body.id;
        figure.appendChild(hidden);
      })
      .catch(function () {
        caption.className = 'error';
        caption.textContent = file.name + ': mất kết nối khi tải lên; ảnh sẽ được gửi cùng tin.';
        figure.classList.add('with-form');
      })
      .then(function () { pending -= 1; });
  }

  input.addEventListener('change', function () {
    box.querySelectorAll('figure:not(.uploaded)').forEach(function (f) { f.remove(); });
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) return;
    var chosen = box.querySelectorAll('figure.uploaded').length;
    if (chosen + files.length > MAX_FILES) {
      var warn = document.createElement('p');
      warn.className = 'error';
      warn.textContent = 'Chỉ được chọn tối đa ' + MAX_FILES + ' ảnh.';
      box.appendChild(warn);
    }
    var submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    var big = files.some(function (f) { return f.size > SHRINK_ABOVE; });
    if (big) status.textContent = 'Đang thu nhỏ ảnh để tải lên nhanh hơn…';
    Promise.all(files.map(shrink)).then(function (shrunk) {
      var before = files.reduce(function (n, f) { return n + f.size; }, 0);
      var after = shrunk.reduce(function (n, f) { return n + f.size; }, 0);
      if (window.DataTransfer) {
        var transfer = new DataTransfer();
        shrunk.forEach(function (f) { transfer.items.add(f); });
        input.files = transfer.files;
      }
      if (big) status.textContent = 'Ảnh đã sẵn sàng: ' + (after / 1048576).toFixed(1) + ' MB (từ ' + (before / 1048576).toFixed(1) + ' MB).';
      form.dataset.photosShrunk = String(after);
      var figures = shrunk.map(preview);
      if (!canUpload) { submit.disabled = false; return null; }
      // One at a time: on 4G they share the same link anyway, and each answer comes back in order.
      var chain = Promise.resolve();
      shrunk.forEach(function (f, i) { chain = chain.then(function () { return upload(f, figures[i]); }); });
      return chain.then(function () {
        form.dataset.photosUploaded = String(box.querySelectorAll('figure.uploaded').length);
        submit.disabled = false;
      });
    });
  });

  box.addEventListener('click', function (e) {
    if (!e.target.classList.contains('remove-draft')) return;
    var figure = e.target.closest('figure');
    if (figure) figure.remove();           // not sent with the form; the server forgets it within a day
  });

  form.addEventListener('submit', function () {
    // Photos already uploaded travel as their ids; only those that could not be uploaded go again.
    if (!canUpload || !window.DataTransfer || pending) return;
    var again = new DataTransfer();
    var files = Array.prototype.slice.call(input.files || []);
    var failed = Array.prototype.slice.call(box.querySelectorAll('figure.with-form figcaption'))
      .map(function (c) { return c.textContent.split(':')[0]; });
    files.forEach(function (f) { if (failed.indexOf(f.name) !== -1) again.items.add(f); });
    input.files = again.files;
  });
})();
