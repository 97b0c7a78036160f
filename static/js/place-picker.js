// Typeahead for the room form's place fields: when the city changes, the district and ward
// suggestions (datalists) are those of that city, and the wards those of the district typed, from /api/places/.
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
  var district = form.querySelector('[name=district]');
  function load(withDistricts) {
    if (!city.value) { fill(districts, []); fill(wards, []); return; }
    var url = form.dataset.placesUrl + '?tinh=' + encodeURIComponent(city.value);
    if (district && district.value.trim()) url += '&quan=' + encodeURIComponent(district.value.trim());
    fetch(url)
      .then(function (r) { return r.ok ? r.json() : { districts: [], wards: [] }; })
      .then(function (data) { if (withDistricts) fill(districts, data.districts); fill(wards, data.wards); });
  }
  city.addEventListener('change', function () { load(true); });
  // The wards offered are those of the district typed (the new wards its old wards became).
  var timer = null;
  if (district) district.addEventListener('input', function () {
    clearTimeout(timer);
    timer = setTimeout(function () { load(false); }, 250);
  });
})();
