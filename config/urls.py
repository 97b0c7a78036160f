from django.contrib import admin
from django.urls import path

from tagging import views as tagging_views

urlpatterns = [
    path("", tagging_views.try_tagger, name="try_tagger"),
    path("dac-diem/", tagging_views.vocabulary, name="vocabulary"),
    path("health", tagging_views.health, name="health"),
    path("admin/", admin.site.urls),
]
