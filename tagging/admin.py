from django.contrib import admin

from .models import Tag


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "group", "visual", "position")
    list_filter = ("group", "visual")
    search_fields = ("name", "slug")
