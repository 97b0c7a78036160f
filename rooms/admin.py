from django.contrib import admin

from tagging.models import RoomTag

from .models import Room, RoomImage


class RoomImageInline(admin.TabularInline):
    model = RoomImage
    extra = 0
    fields = ("image", "position", "width", "height")
    readonly_fields = ("width", "height")


class RoomTagInline(admin.TabularInline):
    model = RoomTag
    extra = 0
    fields = ("tag", "status", "source", "user", "updated_at")
    readonly_fields = ("updated_at",)
    raw_id_fields = ("user",)


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("title", "owner", "price_vnd", "area_m2", "district", "city", "created_at")
    list_filter = ("city", "district")
    search_fields = ("title", "description", "address")
    raw_id_fields = ("owner",)
    inlines = [RoomImageInline, RoomTagInline]
