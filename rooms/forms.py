import re
import unicodedata

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm

from photos.processing import image_size, process_photo
from .drafts import owned_drafts
from .models import Room, RoomType
from .places import PLACES
from .pricing import (AreaError, PriceError, format_price_vnd, parse_amount_vnd, parse_area_m2, parse_price_vnd,
                      unusual_price)


def _parse_amount(text: str, *, low: int, high: int, example: str) -> int | None:
    try:
        return parse_amount_vnd(text, low=low, high=high, example=example)
    except PriceError as exc:
        raise forms.ValidationError(str(exc)) from None


class DraftPhotosField(forms.Field):
    """The ids of photos already uploaded as they were chosen (``rooms.drafts``)."""
    widget = forms.MultipleHiddenInput

    def to_python(self, value):
        if not value:
            return []
        return [str(v) for v in (value if isinstance(value, (list, tuple)) else [value])][:50]


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos at once; each is checked and re-encoded by photos.processing.process_photo."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp,image/heic,"
                                                                        "image/heif,.heic,.heif"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > settings.ROOM_MAX_PHOTOS:      # refused before any photo is decoded
            raise forms.ValidationError(f"Mỗi phòng có tối đa {settings.ROOM_MAX_PHOTOS} ảnh (bạn chọn {len(files)}).")
        pixels = sum(w * h for w, h in (image_size(f) for f in files))
        if pixels > settings.REQUEST_MAX_PIXELS:
            raise forms.ValidationError(f"Các ảnh quá lớn ({pixels / 1e6:.0f} triệu điểm ảnh; tối đa "
                                        f"{settings.REQUEST_MAX_PIXELS / 1e6:.0f} triệu cho một lần gửi). "
                                        "Hãy gửi ảnh nhỏ hơn hoặc ít ảnh hơn.")
        processed, errors = [], []
        for f in files:
            try:
                processed.append(process_photo(super().clean(f, initial)))
            except forms.ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            raise forms.ValidationError(errors)
        return processed


class RoomForm(forms.ModelForm):
    price = forms.CharField(label="Giá thuê / tháng", max_length=40,
                            help_text="Ví dụ: 3.5 triệu, 3tr5 hoặc 3500000",
                            widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "3tr5"}))
    # Photos uploaded as they were chosen (the page's script); the photos field is the fallback.
    draft_photos = DraftPhotosField(required=False)
    # Ticked by the landlord when the site asked "is this price right?" (rooms.pricing.unusual_price).
    price_confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)
    area = forms.CharField(label="Diện tích (m²)", max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "25"}))
    photos = MultiplePhotoField(label="Ảnh phòng",
                                help_text=f"Tối đa {settings.ROOM_MAX_PHOTOS} ảnh JPEG, PNG, WebP hoặc HEIC (iPhone).")
    remove_photos = forms.TypedMultipleChoiceField(
        label="Xóa ảnh", required=False, coerce=int, choices=[], widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Xóa ảnh: ảnh bạn chọn để xóa không còn thuộc phòng này (có thể đã bị "
                                          "xóa ở một tab khác). Hãy tải lại trang.",
                        "invalid_list": "Xóa ảnh: lựa chọn không hợp lệ."})
    cover_photo = forms.TypedChoiceField(
        label="Ảnh bìa", required=False, coerce=int, empty_value=None, choices=[], widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Ảnh bìa: ảnh bạn chọn không còn thuộc phòng này (có thể đã bị xóa ở "
                                          "một tab khác). Hãy chọn ảnh bìa khác."})
    # The room's version when this form was loaded (Room.edit_version): a save from a form
    # loaded before someone else's save is refused instead of overwriting it.
    loaded_version = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)
    deposit = forms.CharField(label="Tiền cọc", max_length=40, required=False,
                              widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "3tr"}))
    electricity_price = forms.CharField(label="Giá điện (đ/kWh)", max_length=20, required=False,
                                        widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "3.500"}))
    water_price = forms.CharField(label="Giá nước", max_length=20, required=False,
                                  widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "20.000"}))

    class Meta:
        model = Room
        fields = ["title", "room_type", "description", "city", "district", "ward", "address", "max_occupants",
                  "available_from", "water_price_unit", "contact_phone", "is_listed"]
        widgets = {"description": forms.Textarea(attrs={"rows": 8,
                                                        "placeholder": "Phòng mát, có điều hòa, gần trường…"}),
                   "available_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "district": forms.TextInput(attrs={"list": "district-list", "autocomplete": "off",
                                                      "placeholder": "Quận 10, Bình Thạnh…"}),
                   "ward": forms.TextInput(attrs={"list": "ward-list", "autocomplete": "off",
                                                  "placeholder": "Phường Bến Thành…"})}
        help_texts = {"ward": "Theo địa chỉ mới (từ 1/7/2025), nếu bạn biết.",
                      "contact_phone": "Hiện trên trang phòng để người thuê gọi hoặc nhắn Zalo."}

    def __init__(self, *args, ask_about_price: bool = True, **kwargs):
        """``ask_about_price``: question an unusual rent (a person is there to answer; imports are not)."""
        super().__init__(*args, **kwargs)
        self.ask_about_price = ask_about_price
        provinces = sorted(PLACES().provinces.values(), key=lambda p: (p.code not in ("79", "01", "48"), p.short))
        city_choices = [("", "— Chọn tỉnh/thành phố —")] + [(p.short, p.short) for p in provinces]
        if self.instance.city and self.instance.city not in {c for c, _ in city_choices}:
            city_choices.append((self.instance.city, self.instance.city))   # an old free-text city stays
        self.fields["city"].widget = forms.Select(choices=city_choices, attrs={"data-places": "city"})
        for name in ("room_type", "water_price_unit"):   # left out = the model's default
            self.fields[name].required = False
        self.fields["max_occupants"].widget.attrs.update({"min": 1, "max": 50})
        self.fields["description"].widget.attrs["maxlength"] = settings.TAGGING_MAX_TEXT_CHARS
        self.fields["max_occupants"].validators.append(lambda v: _occupants_ok(v))
        photos = list(self.instance.images.all()) if self.instance.pk else []
        if self.instance.pk:
            self.fields["loaded_version"].initial = self.instance.edit_version
            self.fields["price"].initial = format_price_vnd(self.instance.price_vnd)
            self.fields["area"].initial = str(self.instance.area_m2).rstrip("0").rstrip(".")
            self.fields["remove_photos"].choices = [(img.pk, str(img)) for img in photos]
            for name, value in (("deposit", self.instance.deposit_vnd), ("electricity_price",
                                self.instance.electricity_price_vnd), ("water_price", self.instance.water_price_vnd)):
                if value is not None:
                    self.fields[name].initial = f"{value:,}".replace(",", ".")
        else:
            del self.fields["remove_photos"]
            del self.fields["is_listed"]  # a new room is listed; the landlord can unlist it later
        if photos:
            self.fields["cover_photo"].choices = [(img.pk, str(img)) for img in photos]
            self.fields["cover_photo"].initial = (self.instance.cover_photo.pk if self.instance.cover_photo else None)
            for number, img in enumerate(photos, start=1):   # the landlord's order: a number per photo
                wrong = f"Thứ tự của ảnh {number} phải là một số từ 1 đến {len(photos)}."
                self.fields[f"photo_position_{img.pk}"] = forms.IntegerField(
                    label=f"Thứ tự ảnh {number}", required=False, min_value=1, max_value=len(photos),
                    initial=img.position + 1, widget=forms.NumberInput(attrs={"class": "position"}),
                    error_messages={"invalid": wrong, "min_value": wrong, "max_value": wrong})
        else:
            del self.fields["cover_photo"]
        self.photos = photos

    # The form as a landlord thinks of a room: what and where, price and costs, photos, contact.
    SECTIONS = [("Phòng gì, ở đâu", ["title", "room_type", "description", "city", "district", "ward", "address",
                                    "area", "max_occupants"]),
                ("Giá và chi phí", ["price", "deposit", "electricity_price", "water_price", "water_price_unit"]),
                ("Ảnh", ["photos"]),
                ("Liên hệ và tình trạng", ["contact_phone", "available_from", "is_listed"])]
    EXISTING_PHOTO_FIELDS = ("remove_photos", "cover_photo")

    def sections(self) -> list[tuple[str, list, bool]]:
        """[(title, bound fields, has errors)] in the landlord's order; a visible field no section
        names goes to the first (none is ever lost)."""
        named = {n for _, names in self.SECTIONS for n in names}
        extra = [f.name for f in self.visible_fields() if f.name not in named
                 and f.name not in self.EXISTING_PHOTO_FIELDS and not f.name.startswith("photo_position_")]
        out = []
        for i, (title, names) in enumerate(self.SECTIONS):
            fields = [self[n] for n in names + (extra if i == 0 else []) if n in self.fields]
            out.append((title, fields, any(f.errors for f in fields)))
        return out

    def photo_errors(self) -> list[str]:
        """Errors of the existing photos' controls (cover, removal, order), shown beside those photos."""
        names = ["cover_photo", "remove_photos", *(f"photo_position_{img.pk}" for img in self.photos)]
        return [e for name in names for e in self.errors.get(name, [])]

    def photo_order(self) -> list[int]:
        """Existing photo ids in the order the landlord numbered them (ties keep the old order)."""
        def rank(img):
            return (self.cleaned_data.get(f"photo_position_{img.pk}") or img.position + 1, img.position, img.pk)
        return [img.pk for img in sorted(self.photos, key=rank)]

    def clean_description(self):
        """The tagger reads title and description together, up to settings.TAGGING_MAX_TEXT_CHARS:
        a longer text is refused here, not by a job that would fail later."""
        description = self.cleaned_data["description"]
        limit = settings.TAGGING_MAX_TEXT_CHARS - len(self.data.get("title", "")) - 1
        if len(description) > limit:
            raise forms.ValidationError(f"Mô tả quá dài: {_count(len(description))} ký tự, tối đa "
                                        f"{_count(max(limit, 0))} (cùng tiêu đề không quá "
                                        f"{_count(settings.TAGGING_MAX_TEXT_CHARS)}).")
        return description

    def clean_room_type(self):
        return self.cleaned_data["room_type"] or Room._meta.get_field("room_type").default

    def clean_water_price_unit(self):
        return self.cleaned_data["water_price_unit"] or Room._meta.get_field("water_price_unit").default

    def clean_deposit(self):
        raw = self.cleaned_data["deposit"].strip()
        if not raw:
            return None
        try:
            return parse_price_vnd(raw)
        except PriceError as exc:
            raise forms.ValidationError(str(exc).replace("Giá thuê", "Tiền cọc").replace("giá", "tiền cọc")) from None

    def clean_electricity_price(self):
        return _parse_amount(self.cleaned_data["electricity_price"], low=500, high=20_000, example="3.500, 3k5 hoặc 3,5k")

    def clean_water_price(self):
        return _parse_amount(self.cleaned_data["water_price"], low=1_000, high=1_000_000, example="20.000 hoặc 20k")

    def clean_contact_phone(self):
        raw = self.cleaned_data["contact_phone"].strip()
        if not raw:
            return ""
        digits = re.sub(r"[\s.\-()]", "", raw)
        if digits.startswith("+84"):
            digits = "0" + digits[3:]
        if not re.fullmatch(r"0\d{9,10}", digits):
            raise forms.ValidationError("Số điện thoại chưa đúng, ví dụ 0909 123 456.")
        return digits

    def clean_price(self):
        try:
            return parse_price_vnd(self.cleaned_data["price"])
        except PriceError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean_draft_photos(self):
        return owned_drafts(self.instance.owner, self.cleaned_data["draft_photos"]) if self.instance.owner_id else []

    @property
    def drafts(self):
        """The photos already uploaded for this post (shown again, with nothing to re-pick)."""
        if hasattr(self, "cleaned_data") and "draft_photos" in self.cleaned_data:
            return self.cleaned_data["draft_photos"]
        if not self.is_bound or not self.instance.owner_id:
            return []
        return owned_drafts(self.instance.owner, self.data.getlist("draft_photos"))

    def _question_unusual_price(self, cleaned: dict) -> None:
        """A price far outside what rooms of that type and place cost is asked about once; the
        landlord confirms it with a tick (nothing else is lost)."""
        price, room_type = cleaned.get("price"), cleaned.get("room_type")
        self.price_question = ""
        if not self.ask_about_price or not price or not room_type or cleaned.get("price_confirmed"):
            return
        if self.instance.pk and self.instance.price_vnd == price:        # asked before, or older
            return
        usual = Room.objects.exclude(pk=self.instance.pk).usual_prices(room_type, cleaned.get("district") or "")
        question = unusual_price(price, room_type, RoomType(room_type).label, usual)
        if question:
            self.price_question = question
            self.add_error("price", question)

    def clean_area(self):
        try:
            return parse_area_m2(self.cleaned_data["area"])
        except AreaError as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        cleaned = super().clean()
        self._question_unusual_price(cleaned)
        existing = self.instance.images.count() if self.instance.pk else 0
        removing = len(cleaned.get("remove_photos") or [])
        adding = len(cleaned.get("photos") or []) + len(cleaned.get("draft_photos") or [])
        if existing - removing + adding > settings.ROOM_MAX_PHOTOS:
            self.add_error("photos", f"Mỗi phòng có tối đa {settings.ROOM_MAX_PHOTOS} ảnh "
                                     f"(đang có {existing - removing}, thêm {adding}).")
        return cleaned


def _count(n: int) -> str:
    """12869 -> "12.869" (Vietnamese thousands separator), for one number only."""
    return f"{n:,}".replace(",", ".")


def _occupants_ok(value):
    if value is not None and not 1 <= value <= 50:
        raise forms.ValidationError("Số người ở tối đa phải từ 1 đến 50.")


def username_skeleton(username: str) -> str:
    """The Latin look of ``username``: NFKC, each letter of another script that looks like a Latin
    one replaced by it (confusable-homoglyphs, Unicode's confusables data), case folded.  Two
    names with one skeleton look alike on screen."""
    from confusable_homoglyphs import confusables

    text = unicodedata.normalize("NFKC", username)
    for found in confusables.is_confusable(text, greedy=True, preferred_aliases=["latin"]) or []:
        latin = next((h["c"] for h in found["homoglyphs"] if h["n"].startswith("LATIN")), None)
        if latin:
            text = text.replace(found["character"], latin)
    return text.casefold()


class SignupForm(UserCreationForm):
    email = forms.EmailField(label="Email (để lấy lại mật khẩu khi quên)", required=False,
                             help_text="Không bắt buộc; không hiện cho người khác.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")
        labels = {"username": "Tên đăng nhập"}

    def clean_username(self):
        """No name that passes for another: letters of one script only, and not the look-alike of an
        existing name ("lаndA" with a Cyrillic "а" next to "landA")."""
        from confusable_homoglyphs import confusables

        username = unicodedata.normalize("NFKC", super().clean_username())
        if confusables.is_mixed_script(username):      # digits and _ . @ + - are of no script
            raise forms.ValidationError("Tên đăng nhập không được trộn chữ của nhiều bảng chữ cái "
                                        "(ví dụ chữ Latinh với chữ Kirin); hãy chỉ dùng chữ tiếng Việt, số và _ . @ + -.")
        skeleton = username_skeleton(username)
        User = self._meta.model
        if skeleton != username.casefold() and User.objects.filter(username__iexact=skeleton).exists():
            raise forms.ValidationError("Tên đăng nhập này trông giống hệt một tài khoản đã có; hãy chọn tên khác.")
        return username
