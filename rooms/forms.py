import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm

from .images import process_photo
from .models import Room
from .pricing import PriceError, format_price_vnd, parse_price_vnd


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos at once; each is checked and re-encoded by rooms.images.process_photo."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
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
    area = forms.CharField(label="Diện tích (m²)", max_length=12,
                           widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "25"}))
    photos = MultiplePhotoField(label="Ảnh phòng",
                                help_text=f"Tối đa {settings.ROOM_MAX_PHOTOS} ảnh JPEG, PNG hoặc WebP.")
    remove_photos = forms.TypedMultipleChoiceField(label="Xóa ảnh", required=False, coerce=int, choices=[],
                                                   widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Room
        fields = ["title", "description", "address", "district", "city", "contact_phone", "is_listed"]
        widgets = {"description": forms.Textarea(attrs={"rows": 8,
                                                        "placeholder": "Phòng mát, có điều hòa, gần trường…"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["price"].initial = format_price_vnd(self.instance.price_vnd)
            self.fields["area"].initial = str(self.instance.area_m2).rstrip("0").rstrip(".")
            self.fields["remove_photos"].choices = [(img.pk, str(img)) for img in self.instance.images.all()]
        else:
            del self.fields["remove_photos"]
            del self.fields["is_listed"]  # a new room is listed; the landlord can unlist it later

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

    def clean_area(self):
        raw = self.cleaned_data["area"].strip().lower().replace("m2", "").replace("m²", "").replace(",", ".").strip()
        try:
            area = Decimal(raw)
        except InvalidOperation:
            area = None
        if area is None or not area.is_finite():        # "NaN", "sNaN", "Infinity" are Decimals too
            raise forms.ValidationError("Diện tích phải là một số, ví dụ 25 hoặc 25,5.")
        if not Decimal("1") <= area <= Decimal("10000"):
            raise forms.ValidationError("Diện tích phải từ 1 đến 10.000 m².")
        return area.quantize(Decimal("0.1"))

    def clean(self):
        cleaned = super().clean()
        existing = self.instance.images.count() if self.instance.pk else 0
        removing = len(cleaned.get("remove_photos") or [])
        adding = len(cleaned.get("photos") or [])
        if existing - removing + adding > settings.ROOM_MAX_PHOTOS:
            self.add_error("photos", f"Mỗi phòng có tối đa {settings.ROOM_MAX_PHOTOS} ảnh "
                                     f"(đang có {existing - removing}, thêm {adding}).")
        return cleaned


class SignupForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        fields = ("username",)
        labels = {"username": "Tên đăng nhập"}
