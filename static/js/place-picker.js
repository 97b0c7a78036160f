// Typeahead for the room form's place fields: when the city changes, the district and ward
// suggestions (datalists) are those of that city, from /api/places/.
(function () {
  var form = document.getElementById('room-form');
  if (!form) return;
  var city = form.querySelector('[data-places=city]');
  var districts = document.getElementById('district-list');
  var wards = document.getElementById('ward-list');
  if (!city || !districts || !wards) return;
  function fill(list, names) {
    list.textContent = '';
    names.forEach(function (name) {
      var option = document.createElement('option');
      option.value = name;
      list.appendChild(option);
    });
  }
  city.addEventListener('change', function () {
    if (!city.value) { fill(districts, []); fill(wards, []); return; }
    fetch(form.dataset.placesUrl + '?tinh=' + encodeURIComponent(city.value))
      .then(function (r) { return r.ok ? r.json() : { districts: [], wards: [] }; })
      .then(function (data) { fill(districts, data.districts); fill(wards, data.wards); });
  });
})();
